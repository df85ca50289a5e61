"""The common runtime every GAS service runs on: settings, AWS clients, consumer loop, health, logs."""
