# The pages foxden serves where its mails' links lead (German).

page-close = Sie können diese Seite schließen und zur App zurückkehren.

page-bad-link-title = Dieser Link funktioniert nicht
page-bad-link-text = Der Link ist unvollständig oder beschädigt. Öffnen Sie ihn erneut aus der E-Mail oder kopieren Sie die ganze Adresse aus der E-Mail in die Adressleiste.
page-used-link-title = Dieser Link ist nicht mehr gültig
page-used-link-text = Der Link wurde bereits verwendet, ist abgelaufen oder gehört zu einem Konto, das es nicht mehr gibt. Fordern Sie in der App eine neue E-Mail an.
page-busy-title = Zu viele Versuche
page-busy-text = Bitte warten Sie eine Weile und öffnen Sie den Link dann erneut.
page-error-title = Etwas ist schiefgelaufen
page-error-text = Der Server konnte das nicht abschließen. Bitte versuchen Sie es später erneut.

page-verify-title = E-Mail-Adresse bestätigen
page-verify-text = Klicken Sie auf die Schaltfläche, um Ihre E-Mail-Adresse zu bestätigen und die Einrichtung Ihres Kontos abzuschließen.
page-verify-button = E-Mail-Adresse bestätigen
page-verify-done-title = Ihre E-Mail-Adresse ist bestätigt
page-verify-done-text = Ihr Konto ist bereit.

page-signin-title = Anmeldung bestätigen
page-signin-text = Haben Sie sich gerade angemeldet? Klicken Sie auf die Schaltfläche, um die Anmeldung abzuschließen.
page-signin-button = Anmeldung bestätigen
page-signin-done-title = Anmeldung bestätigt
page-signin-done-text = Die App, bei der Sie sich angemeldet haben, kann Ihr Konto jetzt verwenden.

page-report-title = Diese Anmeldung melden
page-report-text = Falls Sie nicht versucht haben, sich anzumelden, klicken Sie auf die Schaltfläche: Der Autorisierungscode aus der E-Mail funktioniert dann nicht mehr.
page-report-button = Anmeldung melden
page-report-done-title = Danke für Ihre Meldung
page-report-done-text = Der Autorisierungscode funktioniert nicht mehr. Falls jemand anderes Ihr Passwort kennen könnte, ändern Sie es in den Kontoeinstellungen von Firefox.

page-push-title = Diese Anmeldung bestätigen?
page-push-text = Jemand meldet sich auf einem anderen Gerät bei Ihrem Konto an und bittet Sie, das hier zu bestätigen.
page-push-device = Gerät: { $name }
page-push-browser = Browser: { $browser }
page-push-os = Betriebssystem: { $os }
page-push-ip = IP-Adresse: { $ip }
page-push-not-you = Wenn Sie das sind, klicken Sie auf die Schaltfläche, um die Anmeldung abzuschließen. Wenn nicht, klicken Sie nicht darauf und ändern Sie Ihr Passwort in den Kontoeinstellungen von Firefox.
page-push-button = Anmeldung bestätigen
page-push-done-title = Anmeldung bestätigt
page-push-done-text = Das Gerät, das angefragt hat, kann Ihr Konto jetzt verwenden.
page-wrong-code-title = Ungültiger oder abgelaufener Bestätigungscode
page-wrong-code-text = Der Code in diesem Link ist falsch oder abgelaufen. Melden Sie sich auf dem anfragenden Gerät erneut an, um eine neue Benachrichtigung zu erhalten.

page-reset-title = Passwort zurücksetzen
page-reset-text = Um ein neues Passwort festzulegen, kehren Sie zu der App zurück, in der Sie das Zurücksetzen angefordert haben, und geben Sie diesen Code ein:
page-reset-note = Ein neues Passwort auf dieser Seite festzulegen ist noch nicht möglich.

page-settings-title = Konto verwalten
page-settings-text = Öffnen Sie die Einstellungen Ihres Kontos in Firefox: Einstellungen, dann Sync. Das Konto auf dieser Seite zu verwalten ist noch nicht möglich.

page-connect-title = Weiteres Gerät verbinden
page-connect-text = Installieren Sie Firefox auf Ihrem anderen Gerät und melden Sie sich dort mit derselben E-Mail-Adresse und demselben Passwort an, um Ihre Daten zu synchronisieren.
