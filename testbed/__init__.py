"""Test beds the collection ships: the cloud simulator (fakecloud) and the systemd-nspawn lab (lab)."""
