# Mails foxden sends (English, the reference locale).
# Every message here must also exist in the other locales.

manage-account = Manage account
# The text part's link: a button label, then its address.
link-line = { $label }: { $url }
short-code-footer = The code expires after 10 to 20 minutes. If this was not you, you can ignore this mail.

verify-subject = Finish creating your account
verify-paragraph = Confirm your email and start syncing.
verify-button = Confirm email

verify-login-subject = Confirm your sign-in
verify-login-paragraph = Was this you signing in? Confirm to finish signing in.
verify-login-button = Confirm sign-in

verify-short-code-subject = Confirm your account
verify-short-code-paragraph = Enter this confirmation code to finish creating your account:

verify-login-code-subject = Confirm your sign-in
verify-login-code-paragraph = Was this you signing in? Enter this code to finish signing in:

unblock-code-subject = Account authorization code
unblock-code-paragraph = A sign-in to your account was blocked to keep it safe. If it was you, enter this authorization code to go on signing in:
unblock-code-footer = The code expires in one hour. If you did not try to sign in, please report it so we can protect your account.
unblock-code-report = Report this sign-in

# { $code } is the 8-digit code the mail carries.
password-forgot-otp-subject = Use { $code } to change your password
password-forgot-otp-paragraph = Someone asked to change the password of your account. If it was you, enter this code:
password-forgot-otp-footer = The code is valid for 10 minutes. If you did not ask for this, you can ignore this mail.

new-device-login-subject = New sign-in to your account
new-device-login-paragraph = Your account was just used to sign in. If this was not you, change your password now.

recovery-subject = Reset your password
recovery-paragraph = Someone asked to reset the password of your account. If it was you, use the button below or enter this code:
recovery-button = Create new password
recovery-ignore = If you did not ask for this, you can ignore this mail.

password-reset-subject = Your password has been reset
password-reset-paragraph = The password of your account was reset and every device was signed out. If you did not do this, reset your password again now.

password-changed-subject = Your password has been changed
password-changed-paragraph = The password of your account was just changed. If you did not do this, reset your password now.

post-verify-subject = Your account is confirmed
post-verify-paragraph = Your account is ready. Next, connect another device to keep your data in sync.
post-verify-button = Connect another device

# The push `/session/verify/send_push` sends to the account's Firefox desktops.
session-verify-send-push-title-2 = Logging in to your Mozilla account?
session-verify-send-push-body-2 = Click here to confirm it’s you
