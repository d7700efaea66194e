"""pin_record: one entry of third_party/pins.json with its version filled in.

A pin writes its version once, in `version`; its URLs, prefixes and offline file names spell it
`{version}`. Every Starlark reader of the pins gets them through here (tools/setup's distfiles.py
and the Go package //tools/pins do the same for theirs).
"""

# the fields that may spell the version `{version}`: the upstream half's, and every field of the
# offline half (as //tools/pins and distfiles.py read them)
_TEMPLATED = ["urls", "strip_prefix", "upstream_file"]

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
        pin["offline"] = {k: _fill(v, version) if type(v) == "string" else v for k, v in pin["offline"].items()}
    return pin
