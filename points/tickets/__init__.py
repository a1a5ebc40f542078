"""Service tickets: 随手拍 reports and 居民点单 orders (see models.py)."""
