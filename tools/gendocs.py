"""Write docs/modules/<module>.md from each module's own documentation (ansible-doc --json).

    python -m tools.gendocs            write the pages
    python -m tools.gendocs --check    exit 1 if a page is missing or out of date
"""

import argparse
import json
import re
import subprocess
import sys

from antsibull_docs_parser import dom
from antsibull_docs_parser.format import Formatter
from antsibull_docs_parser.md import to_md
from antsibull_docs_parser.parser import Context, parse

from tools.paths import BIN, ROOT, ansible_env

COLLECTION = "failover.shared_ip"
MODULES = ROOT / "plugins" / "modules"
OUT = ROOT / "docs" / "modules"


def module_names():
    return sorted(p.stem for p in MODULES.glob("*.py") if not p.stem.startswith("_"))


def ansible_doc(names):
    fqcns = [f"{COLLECTION}.{n}" for n in names]
    out = subprocess.run([str(BIN / "ansible-doc"), "--json", *fqcns], check=True, capture_output=True, text=True,
                         env=ansible_env(), cwd=ROOT).stdout
    return json.loads(out)


def _esc(text):
    return re.sub(r"([\\`*_<>\[\]])", r"\\\1", text)


def _code(text):
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


def _page_of(fqcn):
    """The page of a module of this collection (relative link), or None."""
    namespace_name, short = fqcn.rpartition(".")[::2]
    return f"{short}.md" if namespace_name == COLLECTION and short in module_names() else None


class ReadableMarkdown(Formatter):
    """Ansible markup to Markdown that also reads well as plain text (escapes only what Markdown needs).

    A reference to another module of the collection (M(), and O() or RV() of that
    module) links to its page, so the text names each module once: no "(of module ...)".
    """

    def __init__(self, current=None):
        self.current = current

    def _ref(self, text, plugin, section):
        code = _code(text)
        if plugin is None or plugin.fqcn == self.current or plugin.type != "module":
            return code
        page = _page_of(plugin.fqcn)
        return f"[{code}]({page}#{section})" if page else f"{code} of {_code(plugin.fqcn)}"

    def format_error(self, part):
        return f"(markup error: {_esc(part.message)})"

    def format_bold(self, part):
        return f"**{_esc(part.text)}**"

    def format_code(self, part):
        return _code(part.text)

    def format_horizontal_line(self, part):
        return "\n\n---\n\n"

    def format_italic(self, part):
        return f"*{_esc(part.text)}*"

    def format_link(self, part):
        return f"[{_esc(part.text)}]({part.url})"

    def format_module(self, part, url):
        page = _page_of(part.fqcn) if part.fqcn != self.current else None
        return f"[{_code(part.fqcn)}]({page})" if page else _code(part.fqcn)

    def format_rst_ref(self, part):
        return _esc(part.text)

    def format_url(self, part):
        return f"<{part.url}>"

    def format_text(self, part):
        return _esc(part.text)

    def format_env_variable(self, part):
        return _code(part.name)

    def format_option_name(self, part, url):
        return self._ref(part.name if part.value is None else f"{part.name}={part.value}", part.plugin, "options")

    def format_option_value(self, part):
        return _code(part.value)

    def format_plugin(self, part, url):
        return _code(part.plugin.fqcn)

    def format_return_value(self, part, url):
        return self._ref(part.name if part.value is None else f"{part.name}={part.value}", part.plugin,
                         "return-values")


def md(text, fqcn):
    """Ansible markup (O(), V(), C(), RV(), ...) to Markdown, paragraphs joined by blank lines."""
    if text is None:
        return ""
    context = Context(current_plugin=dom.PluginIdentifier(fqcn=fqcn, type="module"))
    return to_md(parse(text, context, errors="message"), formatter=ReadableMarkdown(fqcn))


def cell(text):
    """Text fit for one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n\n", "<br>").replace("\n", " ")


def _flatten(options, prefix=""):
    for name in sorted(options):
        spec = options[name]
        yield prefix + name, spec
        yield from _flatten(spec.get("suboptions") or spec.get("contains") or {}, prefix + name + ".")


def _option_cells(name, spec, fqcn):
    """The cells of one option's row: option, type, required, default, description."""
    option = f"`{name}`" + ("<br>aliases: " + ", ".join(f"`{a}`" for a in spec["aliases"]) if spec.get("aliases") else "")
    kind = f"`{spec.get('type', 'str')}`" + (f" of `{spec['elements']}`" if spec.get("elements") else "")
    required = "yes" if spec.get("required") else ""
    default = f"`{cell(json.dumps(spec['default']))}`" if spec.get("default") is not None else ""
    description = cell(md(spec.get("description"), fqcn))
    if spec.get("choices"):
        description += "<br>Choices: " + ", ".join(f"`{cell(str(c))}`" for c in spec["choices"]) + "."
    env = [e["name"] for e in spec.get("env") or []]
    if env:
        description += "<br>Environment: " + ", ".join(f"`{e}`" for e in env) + "."
    return [option, kind, required, default, description]


def render(fqcn, entry):
    doc, examples, returns = entry["doc"], entry.get("examples") or "", entry.get("return") or {}
    lines = [f"# {fqcn}", "", f"{md(doc.get('short_description'), fqcn)}", "",
             "<!-- Generated by `python -m tools.gendocs` from the module's documentation. Do not edit. -->", "",
             "## Synopsis", "", md(doc.get("description"), fqcn), ""]
    if doc.get("requirements"):
        lines += ["## Requirements", ""] + [f"- {md(r, fqcn)}" for r in doc["requirements"]] + [""]
    lines += ["## Options", "", "| Option | Type | Required | Default | Description |", "|---|---|---|---|---|"]
    for name, spec in _flatten(doc.get("options") or {}):
        lines.append("| " + " | ".join(_option_cells(name, spec, fqcn)) + " |")
    lines.append("")
    attributes = doc.get("attributes") or {}
    if attributes:
        lines += ["## Attributes", "", "| Attribute | Support | Description |", "|---|---|---|"]
        for name, attr in sorted(attributes.items()):
            details = md(attr.get("details"), fqcn)
            lines.append(f"| {name} | {attr.get('support', '')} | "
                         f"{cell(md(attr.get('description'), fqcn))}{'<br>' + cell(details) if details else ''} |")
        lines.append("")
    if doc.get("notes"):
        lines += ["## Notes", ""] + [f"- {md(n, fqcn)}" for n in doc["notes"]] + [""]
    if doc.get("seealso"):
        lines += ["## See also", ""]
        for ref in doc["seealso"]:
            target = ref.get("module") or ref.get("name") or ref.get("link") or ref.get("ref")
            page = _page_of(ref["module"]) if ref.get("module") else None
            if page:
                title = f"[`{target}`]({page})"
            elif ref.get("name") and ref.get("link"):
                title = f"[{_esc(ref['name'])}]({ref['link']})"
            else:
                title = f"`{target}`"
            lines.append(f"- {title}" + (f": {md(ref.get('description'), fqcn)}" if ref.get("description") else ""))
        lines.append("")
    if examples.strip():
        lines += ["## Examples", "", "```yaml", examples.strip("\n"), "```", ""]
    if returns:
        lines += ["## Return values", "", "| Key | Type | Returned | Description |", "|---|---|---|---|"]
        for name, spec in _flatten(returns):
            sample = spec.get("sample")
            sample_text = f"<br>Sample: `{cell(json.dumps(sample))}`" if sample is not None else ""
            lines.append(f"| `{name}` | `{spec.get('type', '')}` | {cell(str(spec.get('returned', '')))} | "
                         f"{cell(md(spec.get('description'), fqcn))}{sample_text} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_index(docs):
    lines = ["# Modules of failover.shared_ip", "",
             "<!-- Generated by `python -m tools.gendocs`. Do not edit. -->", "",
             "| Module | What it does |", "|---|---|"]
    for fqcn, entry in sorted(docs.items()):
        short = fqcn.rsplit(".", 1)[1]
        lines.append(f"| [{fqcn}]({short}.md) | {cell(md(entry['doc'].get('short_description'), fqcn))} |")
    lines += ["", "The same text is available offline with `ansible-doc failover.shared_ip.<module>`.",
              "The role has its own page: [roles/keepalived_vip/README.md](../../roles/keepalived_vip/README.md).", ""]
    return "\n".join(lines)


def pages():
    """{path: text} for every page the generator owns."""
    names = module_names()
    if not names:
        return {}
    docs = ansible_doc(names)
    result = {OUT / f"{fqcn.rsplit('.', 1)[1]}.md": render(fqcn, entry) for fqcn, entry in docs.items()}
    result[OUT / "README.md"] = render_index(docs)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report pages that are missing or out of date")
    args = parser.parse_args(argv)
    wanted = pages()
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text() != text]
    extra = sorted(set(OUT.glob("*.md")) - set(wanted))
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)} (run: python -m tools.gendocs)")
        for path in extra:
            print(f"no such module: {path.relative_to(ROOT)}")
        return 1 if stale or extra else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for path in stale:
        path.write_text(wanted[path])
        print(f"wrote {path.relative_to(ROOT)}")
    for path in extra:
        path.unlink()
        print(f"removed {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
