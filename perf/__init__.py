"""The speed layer below the ORM and the runtime, kept apart from the domain.

`perf.db` changes how rows are read and statements compiled, `perf.runtime` how a serving
process manages its heap and frame stack. Each part answers exactly as plain Django does;
`perf.switches` turns layers and single parts off, and `perf.compat` turns a layer off on
library versions it was not tested with. What each part is worth: bench/PROFILE.md.
"""
