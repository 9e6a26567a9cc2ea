# The pages foxden serves where its mails' links lead (English, the reference locale).
# Every message here must also exist in the other locales.

page-close = You can close this page and go back to the app.

page-bad-link-title = This link does not work
page-bad-link-text = The link is incomplete or damaged. Open it again from the mail, or copy the whole address from the mail into the address bar.
page-used-link-title = This link is no longer valid
page-used-link-text = The link was already used, has expired, or belongs to an account that no longer exists. Ask the app for a new mail.
page-busy-title = Too many attempts
page-busy-text = Please wait a while, then open the link again.
page-error-title = Something went wrong
page-error-text = The server could not finish this. Please try again later.

page-verify-title = Confirm your email
page-verify-text = Press the button to confirm your email address and finish creating your account.
page-verify-button = Confirm email
page-verify-done-title = Your email is confirmed
page-verify-done-text = Your account is ready to use.

page-signin-title = Confirm your sign-in
page-signin-text = Was this you signing in? Press the button to finish signing in.
page-signin-button = Confirm sign-in
page-signin-done-title = Sign-in confirmed
page-signin-done-text = The app you signed in to can now use your account.

page-report-title = Report this sign-in
page-report-text = If you did not try to sign in, press the button: the authorization code in the mail will stop working.
page-report-button = Report sign-in
page-report-done-title = Thank you for your report
page-report-done-text = The authorization code no longer works. If someone else may know your password, change it in Firefox's account settings.

page-push-title = Confirm this sign-in?
page-push-text = Someone is signing in to your account on another device and asks you to confirm it here.
page-push-device = Device: { $name }
page-push-browser = Browser: { $browser }
page-push-os = Operating system: { $os }
page-push-ip = IP address: { $ip }
page-push-not-you = If this is you, press the button to finish signing in. If it is not, do not press it, and change your password in Firefox's account settings.
page-push-button = Confirm sign-in
page-push-done-title = Sign-in confirmed
page-push-done-text = The device that asked can now use your account.
page-wrong-code-title = Invalid or expired verification code
page-wrong-code-text = The code in this link is wrong or has expired. Sign in again on the device that asked, to get a new notification.

page-reset-title = Reset your password
page-reset-text = To choose a new password, go back to the app where you asked for the reset and enter this code:
page-reset-note = Choosing a new password on this page is not possible yet.

page-settings-title = Manage your account
page-settings-text = Open your account's settings in Firefox: Settings, then Sync. Managing the account on this page is not possible yet.

page-connect-title = Connect another device
page-connect-text = Install Firefox on your other device and sign in there with the same email address and password to keep your data in sync.
