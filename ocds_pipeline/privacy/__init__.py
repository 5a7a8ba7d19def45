"""Personal data of natural persons (docs/privacy.md): who is one, and what each output publishes,
masks or drops of their address, telephone, e-mail and identifier (schemas/publication/privacy.yaml)."""

from .describe import describe
from .persons import Recognition, natural_ruc
from .policy import KEY_VARIABLE, Privacy, PrivacyError, declared, resolve

__all__ = ["KEY_VARIABLE", "Privacy", "PrivacyError", "Recognition", "declared", "describe", "natural_ruc", "resolve"]
