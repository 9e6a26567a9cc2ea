# Mails foxden sends (French).

manage-account = Gérer le compte
# The text part's link: a button label, then its address.
link-line = { $label } : { $url }
short-code-footer = Le code expire au bout de 10 à 20 minutes. Si ce n’était pas vous, vous pouvez ignorer ce message.

verify-subject = Terminez la création de votre compte
verify-paragraph = Confirmez votre adresse e-mail et commencez la synchronisation.
verify-button = Confirmer l’adresse e-mail

verify-login-subject = Confirmez votre connexion
verify-login-paragraph = Est-ce bien vous qui vous connectez ? Confirmez pour terminer la connexion.
verify-login-button = Confirmer la connexion

verify-short-code-subject = Confirmez votre compte
verify-short-code-paragraph = Saisissez ce code de confirmation pour terminer la création de votre compte :

verify-login-code-subject = Confirmez votre connexion
verify-login-code-paragraph = Est-ce bien vous qui vous connectez ? Saisissez ce code pour terminer la connexion :

unblock-code-subject = Code d’autorisation de votre compte
unblock-code-paragraph = Une connexion à votre compte a été bloquée par mesure de sécurité. Si c’était vous, saisissez ce code d’autorisation pour poursuivre la connexion :
unblock-code-footer = Le code expire au bout d’une heure. Si vous n’avez pas essayé de vous connecter, merci de nous le signaler afin que nous puissions protéger votre compte.
unblock-code-report = Signaler cette connexion

# { $code } is the 8-digit code the mail carries.
password-forgot-otp-subject = Utilisez { $code } pour changer votre mot de passe
password-forgot-otp-paragraph = Quelqu’un a demandé à changer le mot de passe de votre compte. Si c’était vous, saisissez ce code :
password-forgot-otp-footer = Le code est valable 10 minutes. Si vous n’êtes pas à l’origine de cette demande, vous pouvez ignorer ce message.

new-device-login-subject = Nouvelle connexion à votre compte
new-device-login-paragraph = Votre compte vient d’être utilisé pour une connexion. Si ce n’était pas vous, changez votre mot de passe dès maintenant.

recovery-subject = Réinitialisez votre mot de passe
recovery-paragraph = Quelqu’un a demandé la réinitialisation du mot de passe de votre compte. Si c’était vous, utilisez le bouton ci-dessous ou saisissez ce code :
recovery-button = Créer un nouveau mot de passe
recovery-ignore = Si vous n’êtes pas à l’origine de cette demande, vous pouvez ignorer ce message.

password-reset-subject = Votre mot de passe a été réinitialisé
password-reset-paragraph = Le mot de passe de votre compte a été réinitialisé et tous vos appareils ont été déconnectés. Si vous n’êtes pas à l’origine de cette action, réinitialisez de nouveau votre mot de passe dès maintenant.

password-changed-subject = Votre mot de passe a été modifié
password-changed-paragraph = Le mot de passe de votre compte vient d’être modifié. Si vous n’êtes pas à l’origine de cette action, réinitialisez votre mot de passe dès maintenant.

post-verify-subject = Votre compte est confirmé
post-verify-paragraph = Votre compte est prêt. Connectez maintenant un autre appareil pour garder vos données synchronisées.
post-verify-button = Connecter un autre appareil

# The push `/session/verify/send_push` sends to the account's Firefox desktops.
session-verify-send-push-title-2 = Vous connectez-vous à votre compte Mozilla ?
session-verify-send-push-body-2 = Cliquez ici pour confirmer que c’est bien vous
