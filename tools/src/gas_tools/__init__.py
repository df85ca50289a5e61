"""GAS's developer and operator tools: the `gas` command, the embedded stack, provisioning, dead letters,
reference installers and the fake Globus Auth server. No service image installs this package."""
