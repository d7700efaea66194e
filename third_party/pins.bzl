"""pin_record: one entry of third_party/pins.json with its version filled in.

A pin writes its version once, in `version`; its URLs, prefixes and offline file names spell it
`{version}`. Every Starlark reader of the pins gets them through here (tools/setup's distfiles.py
and the Go package //tools/pins do the same for theirs).
"""

# the fields that may spell the version `{version}`: the upstream half and the offline half's names
_TEMPLATED = ["urls", "strip_prefix", "upstream_file"]
_TEMPLATED_OFFLINE = ["file", "module", "package", "strip_prefix"]

def _fill(value, version):
    if type(value) == "list":
        return [v.replace("{version}", version) for v in value]
    return value.replace("{version}", version)

def pin_record(pins, name, what):
    """Returns pins[name] with `{version}` replaced by its version; fails naming `what` when absent.

    Args:
      pins: the decoded third_party/pins.json.
      name: the pin's key.
      what: who asks (for the error message), e.g. 'pins.archive(pin = "crun")'.
    Returns:
      a dict: the pin's fields, filled.
    """
    if name.startswith("_") or name not in pins:
        fail("%s: no pin %r in third_party/pins.json" % (what, name))
    pin = dict(pins[name])
    version = pin["version"]
    for key in _TEMPLATED:
        if key in pin:
            pin[key] = _fill(pin[key], version)
    if "offline" in pin:
        off = dict(pin["offline"])
        for key in _TEMPLATED_OFFLINE:
            if key in off:
                off[key] = _fill(off[key], version)
        pin["offline"] = off
    return pin
