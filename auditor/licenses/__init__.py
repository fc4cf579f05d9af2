"""License intelligence: the knowledge base, normalization to SPDX, and recognition of license texts."""

from auditor.licenses.catalog import LicenseCatalog, LicenseRecord, LicenseTerms, license_catalog
from auditor.licenses.detect import TextMatch, detect_text
from auditor.licenses.resolve import LicenseProfile, resolve_license

__all__ = [
    "LicenseCatalog",
    "LicenseProfile",
    "LicenseRecord",
    "LicenseTerms",
    "TextMatch",
    "detect_text",
    "license_catalog",
    "resolve_license",
]
