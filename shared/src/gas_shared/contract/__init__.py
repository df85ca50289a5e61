"""The contract between GAS services: messages, topology, storage keys, bundle layout and times. No boto3."""
