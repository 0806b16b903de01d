"""Compatibility only: names cli/ imports under this module's old name.

The registry's files are handled by concern: paths.py (Registry, resolve, record_files, the
content hash), validate.py (validate_data, load_file), lock.py, journal.py (Staging, recover)
and canonical.py (to_yaml). Once cli/ imports these names from their modules, delete this file.
"""

from __future__ import annotations

from evireg.registry.paths import Registry, record_files, resolve
from evireg.registry.validate import validate_data

__all__ = ["Registry", "record_files", "resolve", "validate_data"]
