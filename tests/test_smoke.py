def test_roles_exist_after_migrate(db):
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) == {
        "Front desk",
        "Guide",
        "Clinician",
        "Administrator",
    }
