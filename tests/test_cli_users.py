"""create-user on the command line."""

from kb.extensions import db
from kb.services.accounts.users import find_by_email


def test_create_user_with_municipality(app, runner):
    result = runner.invoke(args=["create-user", "--email", "Ulm@Example.org", "--password", "ein-langes-passwort",
                                 "--role", "contributor", "--municipality", "08421000"])
    assert result.exit_code == 0, result.output
    assert "Ulm" in result.output
    with app.app_context():
        user = find_by_email(db.session, "ulm@example.org")
        assert user.role.value == "contributor" and user.municipality_ags == "08421000"
        assert user.password_hash != "ein-langes-passwort" and user.email_confirmed_at is not None


def test_create_user_refuses_duplicates_short_passwords_and_unknown_places(runner):
    ok = runner.invoke(args=["create-user", "--email", "a@example.org", "--password", "ein-langes-passwort"])
    assert ok.exit_code == 0
    dup = runner.invoke(args=["create-user", "--email", "A@example.org", "--password", "ein-langes-passwort"])
    assert dup.exit_code != 0 and "bereits" in dup.output
    short = runner.invoke(args=["create-user", "--email", "b@example.org", "--password", "kurz"])
    assert short.exit_code != 0 and "password" in short.output
    nowhere = runner.invoke(args=["create-user", "--email", "c@example.org", "--password", "ein-langes-passwort",
                                  "--municipality", "Atlantis"])
    assert nowhere.exit_code != 0 and "Atlantis" in nowhere.output


def test_create_user_rejects_unknown_role(runner):
    result = runner.invoke(args=["create-user", "--email", "d@example.org", "--password", "ein-langes-passwort",
                                 "--role", "kaiser"])
    assert result.exit_code != 0 and "kaiser" in result.output
