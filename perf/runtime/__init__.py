"""Process tricks: the garbage collector's heap and CPython's frame-stack chunks."""
