"""Training datasets: the knowledge base (rules/datasets), matching card text and dataset ids."""

from auditor.datasets.catalog import TERMS, DatasetCatalog, DatasetLicense, DatasetRecord, dataset_catalog
from auditor.datasets.match import DatasetMatch, dataset_for_hub_id, match_datasets

__all__ = [
    "TERMS",
    "DatasetCatalog",
    "DatasetLicense",
    "DatasetMatch",
    "DatasetRecord",
    "dataset_catalog",
    "dataset_for_hub_id",
    "match_datasets",
]
