# The pages foxden serves where its mails' links lead (French).

page-close = Vous pouvez fermer cette page et revenir à l’application.

page-bad-link-title = Ce lien ne fonctionne pas
page-bad-link-text = Le lien est incomplet ou endommagé. Ouvrez-le à nouveau depuis le message, ou copiez l’adresse complète du message dans la barre d’adresse.
page-used-link-title = Ce lien n’est plus valide
page-used-link-text = Le lien a déjà été utilisé, a expiré ou appartient à un compte qui n’existe plus. Demandez un nouveau message depuis l’application.
page-busy-title = Trop de tentatives
page-busy-text = Veuillez patienter un moment, puis ouvrez à nouveau le lien.
page-error-title = Une erreur est survenue
page-error-text = Le serveur n’a pas pu terminer l’opération. Veuillez réessayer plus tard.

page-verify-title = Confirmez votre adresse e-mail
page-verify-text = Appuyez sur le bouton pour confirmer votre adresse e-mail et terminer la création de votre compte.
page-verify-button = Confirmer l’adresse e-mail
page-verify-done-title = Votre adresse e-mail est confirmée
page-verify-done-text = Votre compte est prêt.

page-signin-title = Confirmez votre connexion
page-signin-text = Est-ce bien vous qui vous connectez ? Appuyez sur le bouton pour terminer la connexion.
page-signin-button = Confirmer la connexion
page-signin-done-title = Connexion confirmée
page-signin-done-text = L’application à laquelle vous vous êtes connecté peut désormais utiliser votre compte.

page-report-title = Signaler cette connexion
page-report-text = Si vous n’avez pas essayé de vous connecter, appuyez sur le bouton : le code d’autorisation du message ne fonctionnera plus.
page-report-button = Signaler la connexion
page-report-done-title = Merci pour votre signalement
page-report-done-text = Le code d’autorisation ne fonctionne plus. Si quelqu’un d’autre connaît peut-être votre mot de passe, changez-le dans les paramètres du compte de Firefox.

page-push-title = Confirmer cette connexion ?
page-push-text = Quelqu’un se connecte à votre compte sur un autre appareil et vous demande de le confirmer ici.
page-push-device = Appareil : { $name }
page-push-browser = Navigateur : { $browser }
page-push-os = Système d’exploitation : { $os }
page-push-ip = Adresse IP : { $ip }
page-push-not-you = Si c’est bien vous, appuyez sur le bouton pour terminer la connexion. Sinon, n’appuyez pas et changez votre mot de passe dans les paramètres du compte de Firefox.
page-push-button = Confirmer la connexion
page-push-done-title = Connexion confirmée
page-push-done-text = L’appareil qui a fait la demande peut désormais utiliser votre compte.
page-wrong-code-title = Code de vérification invalide ou expiré
page-wrong-code-text = Le code de ce lien est erroné ou a expiré. Connectez-vous à nouveau sur l’appareil qui a fait la demande pour recevoir une nouvelle notification.

page-reset-title = Réinitialisez votre mot de passe
page-reset-text = Pour choisir un nouveau mot de passe, revenez à l’application dans laquelle vous avez demandé la réinitialisation et saisissez ce code :
page-reset-note = Il n’est pas encore possible de choisir un nouveau mot de passe sur cette page.

page-settings-title = Gérez votre compte
page-settings-text = Ouvrez les paramètres de votre compte dans Firefox : Paramètres, puis Synchronisation. Il n’est pas encore possible de gérer le compte sur cette page.

page-connect-title = Connectez un autre appareil
page-connect-text = Installez Firefox sur votre autre appareil et connectez-vous-y avec la même adresse e-mail et le même mot de passe pour synchroniser vos données.
