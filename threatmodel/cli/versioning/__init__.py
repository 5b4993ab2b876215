"""Models versioned alongside code: ``diff`` (files or git revisions), ``check`` (the CI gate
with baselines and policy) and ``migrate`` (rename ids, carry triage along).

``threatmodel.cli`` registers the three commands from here.
"""

from threatmodel.cli.versioning.commands import check, diff, migrate

__all__ = ["check", "diff", "migrate"]
