// Placeholder: tests for this target are being written.
