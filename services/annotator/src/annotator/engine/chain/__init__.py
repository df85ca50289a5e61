"""The chain of processes that annotates: validator -> [norm] -> csq -> tee, joined by pipes."""
