# Mails foxden sends (German).

manage-account = Konto verwalten
# The text part's link: a button label, then its address.
link-line = { $label }: { $url }
short-code-footer = Der Code läuft nach 10 bis 20 Minuten ab. Falls Sie das nicht waren, können Sie diese E-Mail ignorieren.

verify-subject = Konto fertig einrichten
verify-paragraph = Bestätigen Sie Ihre E-Mail-Adresse und starten Sie die Synchronisierung.
verify-button = E-Mail-Adresse bestätigen

verify-login-subject = Anmeldung bestätigen
verify-login-paragraph = Haben Sie sich gerade angemeldet? Bestätigen Sie, um die Anmeldung abzuschließen.
verify-login-button = Anmeldung bestätigen

verify-short-code-subject = Konto bestätigen
verify-short-code-paragraph = Geben Sie diesen Bestätigungscode ein, um die Einrichtung Ihres Kontos abzuschließen:

verify-login-code-subject = Anmeldung bestätigen
verify-login-code-paragraph = Haben Sie sich gerade angemeldet? Geben Sie diesen Code ein, um die Anmeldung abzuschließen:

unblock-code-subject = Autorisierungscode für Ihr Konto
unblock-code-paragraph = Eine Anmeldung bei Ihrem Konto wurde zu Ihrer Sicherheit blockiert. Falls Sie das waren, geben Sie diesen Autorisierungscode ein, um die Anmeldung fortzusetzen:
unblock-code-footer = Der Code läuft nach einer Stunde ab. Falls Sie nicht versucht haben, sich anzumelden, melden Sie uns das bitte, damit wir Ihr Konto schützen können.
unblock-code-report = Diese Anmeldung melden

# { $code } is the 8-digit code the mail carries.
password-forgot-otp-subject = Verwenden Sie { $code }, um Ihr Passwort zu ändern
password-forgot-otp-paragraph = Jemand möchte das Passwort Ihres Kontos ändern. Falls Sie das waren, geben Sie diesen Code ein:
password-forgot-otp-footer = Der Code ist 10 Minuten lang gültig. Falls Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren.

new-device-login-subject = Neue Anmeldung bei Ihrem Konto
new-device-login-paragraph = Mit Ihrem Konto hat sich gerade jemand angemeldet. Falls Sie das nicht waren, ändern Sie jetzt Ihr Passwort.

recovery-subject = Passwort zurücksetzen
recovery-paragraph = Jemand möchte das Passwort Ihres Kontos zurücksetzen. Falls Sie das waren, verwenden Sie die Schaltfläche unten oder geben Sie diesen Code ein:
recovery-button = Neues Passwort festlegen
recovery-ignore = Falls Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren.

password-reset-subject = Ihr Passwort wurde zurückgesetzt
password-reset-paragraph = Das Passwort Ihres Kontos wurde zurückgesetzt und alle Geräte wurden abgemeldet. Falls Sie das nicht waren, setzen Sie Ihr Passwort jetzt erneut zurück.

password-changed-subject = Ihr Passwort wurde geändert
password-changed-paragraph = Das Passwort Ihres Kontos wurde gerade geändert. Falls Sie das nicht waren, setzen Sie Ihr Passwort jetzt zurück.

post-verify-subject = Ihr Konto ist bestätigt
post-verify-paragraph = Ihr Konto ist bereit. Verbinden Sie als Nächstes ein weiteres Gerät, um Ihre Daten synchron zu halten.
post-verify-button = Weiteres Gerät verbinden

# The push `/session/verify/send_push` sends to the account's Firefox desktops.
session-verify-send-push-title-2 = Melden Sie sich bei Ihrem Mozilla-Konto an?
session-verify-send-push-body-2 = Klicken Sie hier, um zu bestätigen, dass Sie es sind
