"""Compatibility modules with the function names of pydicom's pixel data handlers."""
