"""The demo database: real CBS data, plus invented example series and an invented learning loop, marked as such."""

from koers.demo.build import build_demo

__all__ = ["build_demo"]
