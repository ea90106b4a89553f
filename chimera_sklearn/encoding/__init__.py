"""Encoding: templates to vectors."""

from ._embedder import TemplateEmbedder, template_tokens

__all__ = ["TemplateEmbedder", "template_tokens"]
