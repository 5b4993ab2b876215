"""Layer 3a: Assessment -> text or bytes. Pure: no files, processes or clocks."""
