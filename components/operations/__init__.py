"""Operations layer: alarms, the dashboard and their sleep windows."""
