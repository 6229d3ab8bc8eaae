"""Pure configuration: settings value types, dial declarations, the reader and its checks,
the app contract. Imports nothing else of the program."""
