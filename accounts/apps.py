from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Staff and roles"

    def ready(self) -> None:
        from .services import roles_sync

        post_migrate.connect(roles_sync, dispatch_uid="accounts_roles_sync")
