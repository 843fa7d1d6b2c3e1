// Placeholder: shared test support is being written.
