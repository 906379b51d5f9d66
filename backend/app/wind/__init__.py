"""Wind resource port: files uploaded per site (storage) or given on the command line, parsed."""
