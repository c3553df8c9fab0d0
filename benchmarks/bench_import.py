"""asv, plugins and dispatch: import time, in a fresh process (catches eager plugin loads)."""


def timeraw_import_dcmcore():
    return "import dcmcore"


def timeraw_import_and_list_plugins():
    return "import dcmcore.plugins as p; p.decoders('1.2.840.10008.1.2.5')"
