"""Storage: versioned CAS key-value store on SQLite, slots, reconcile decisions, the controller."""
