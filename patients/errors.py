class InvalidInput(ValueError):
    """Bad input to a service: answered as 400 with the field(s) and the reason; nothing saved."""

    def __init__(self, errors: dict[str, str] | str, field: str = "non_field_errors"):
        self.errors = errors if isinstance(errors, dict) else {field: errors}
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))
