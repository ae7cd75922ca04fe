//! Load programs for the `scripts/bench-*` reports (see `src/bin/`). They
//! print numbers; nothing here is a test or asserts a timing.
