"""Encryption at rest per zone (SSE-KMS): which identity may decrypt which zone's objects.

Lake Formation does not encrypt anything: the objects of each zone are encrypted by S3 with a
KMS key (here one customer managed key per zone, so a key policy can say who decrypts raw, stage
and curated separately). Reading an object needs ``kms:Decrypt`` on its key, by whoever reads
S3:

- a location **registered with Lake Formation** is read with the registration role: Lake
  Formation assumes it to vend temporary credentials to Athena, Glue or EMR, so that role (not
  the querying principal) needs ``kms:Decrypt``, and the principal needs only its Lake Formation
  grant;
- a location **not registered** is read with the principal's own credentials, so the principal
  itself needs ``s3:GetObject`` and ``kms:Decrypt`` on the zone's key.

:class:`ZoneKeys` keeps the key of each zone, the identities its key policy lets decrypt, and
the registration role of each registered zone; :meth:`ZoneKeys.check_read` is the check a query
passes before it reads a zone (pure logic: no clock, no I/O).

Sources (checked 2026-12-03): Lake Formation "Requirements for roles used to register
locations" (https://docs.aws.amazon.com/lake-formation/latest/dg/registration-role.html) and
"Registering an Amazon S3 location"
(https://docs.aws.amazon.com/lake-formation/latest/dg/register-location.html).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ZoneKeys", "LAKE_FORMATION_ROLE", "KEY_ZONES"]

#: The role the curated location is registered with (Lake Formation assumes it to read S3).
LAKE_FORMATION_ROLE = "LakeFormationDataAccessRole"
KEY_ZONES = ("raw", "stage", "curated")


@dataclass
class ZoneKeys:
    """One KMS key per zone, its key policy's decrypters, and the registered locations.

    The defaults: the ingest role decrypts raw, the ETL role decrypts raw, stage and curated,
    and the curated location is registered with Lake Formation's data access role, which
    decrypts curated (so principals with a Lake Formation grant read curated).

    >>> keys = ZoneKeys()
    >>> keys.reader("analyst", "curated")            # Lake Formation reads for the analyst
    'LakeFormationDataAccessRole'
    >>> keys.can_read("analyst", "curated"), keys.can_read("analyst", "raw")
    (True, False)
    >>> keys.revoke_decrypt(LAKE_FORMATION_ROLE, "curated")
    >>> keys.can_read("analyst", "curated")
    False
    """

    account: str = "111122223333"
    region: str = "us-east-1"
    decrypters: dict[str, set[str]] = field(default_factory=lambda: {
        "raw": {"IngestRole", "EtlJobRole"},
        "stage": {"EtlJobRole"},
        "curated": {"EtlJobRole", LAKE_FORMATION_ROLE},
    })
    registered: dict[str, str | None] = field(default_factory=lambda: {
        "raw": None, "stage": None, "curated": LAKE_FORMATION_ROLE})

    @staticmethod
    def _zone(zone: str) -> str:
        if zone not in KEY_ZONES:
            raise ValueError(f"zone must be one of {', '.join(KEY_ZONES)}; got {zone!r}")
        return zone

    @staticmethod
    def _identity(identity: str) -> str:
        if not isinstance(identity, str) or not identity.strip():
            raise ValueError(f"identity must be a non-empty IAM role or user name, got "
                             f"{identity!r}")
        return identity

    def key_alias(self, zone: str) -> str:
        """The key's alias, e.g. ``alias/lake-curated``."""
        return f"alias/lake-{self._zone(zone)}"

    def allow_decrypt(self, identity: str, zone: str) -> None:
        """Add ``identity`` to the zone key's policy (``kms:Decrypt``)."""
        self.decrypters[self._zone(zone)].add(self._identity(identity))

    def revoke_decrypt(self, identity: str, zone: str) -> None:
        """Remove ``identity`` from the zone key's policy."""
        self.decrypters[self._zone(zone)].discard(self._identity(identity))

    def register(self, zone: str, role: str | None) -> None:
        """Register the zone's location with Lake Formation using ``role`` (None: deregister,
        so principals read it with their own credentials)."""
        self.registered[self._zone(zone)] = None if role is None else self._identity(role)

    def reader(self, principal: str, zone: str) -> str:
        """The identity whose credentials read the zone's objects for ``principal``."""
        return self.registered[self._zone(zone)] or self._identity(principal)

    def can_read(self, principal: str, zone: str) -> bool:
        """Whether the objects of ``zone`` can be decrypted for ``principal``."""
        return self.reader(principal, zone) in self.decrypters[self._zone(zone)]

    def check_read(self, principal: str, zone: str) -> None:
        """Raise :class:`PermissionError` (naming the key and the identity) unless the zone's
        objects can be decrypted for ``principal``."""
        reader = self.reader(principal, zone)
        if reader not in self.decrypters[zone]:
            via = (f"Lake Formation reads {zone} with its registration role {reader!r}"
                   if self.registered[zone] else
                   f"{zone} is not registered with Lake Formation, so {principal!r} reads it "
                   "with its own credentials")
            raise PermissionError(f"query refused: {via}, which has no kms:Decrypt on "
                                  f"{self.key_alias(zone)} (AccessDenied from KMS)")

    def frame(self):
        """One row per zone: ``zone``, ``key`` (alias), ``decrypt`` (identities),
        ``registered_with`` (the Lake Formation role, or empty)."""
        import pandas as pd

        return pd.DataFrame([(z, self.key_alias(z), ", ".join(sorted(self.decrypters[z])),
                              self.registered[z] or "") for z in KEY_ZONES],
                            columns=["zone", "key", "decrypt", "registered_with"])
