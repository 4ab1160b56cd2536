"""Detection signals: pure functions of stored data that return explained Signal rows."""
