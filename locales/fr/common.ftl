cat-identity = Identité
cat-housing = Logement
cat-income = Revenus
cat-tax = Impôts
cat-family = Famille
cat-health = Santé
cat-work = Travail
cat-transport = Transport
cat-justice = Justice
cat-other = Autre
error-bad_request = La demande est mal formée.
error-invalid_json = Le contenu de la demande n'est pas un JSON valide.
error-unsupported_media_type = Le type de contenu de la demande n'est pas accepté.
error-payload_too_large = La demande est trop volumineuse.
error-not_found = Cette adresse n'existe pas.
error-method_not_allowed = Cette opération n'est pas permise à cette adresse.
error-request_timeout = La demande a pris trop de temps et a été interrompue.
error-invalid_user_name = Cet identifiant n'est pas valable : de 3 à 64 caractères parmi a-z, 0-9, point, tiret et tiret bas, en commençant par une lettre ou un chiffre.
error-user_exists = Cet identifiant est déjà pris. Choisissez-en un autre.
error-bad_credentials = Identifiant ou phrase de passe incorrect.
error-weak_kdf_params = Les paramètres de protection de la phrase de passe sont trop faibles.
error-too_many_attempts = Trop d'essais manqués. Réessayez dans { $seconds } secondes.
error-unauthenticated = Vous n'êtes pas connecté. Connectez-vous avec « coffre login ».
error-session_expired = Votre session a expiré. Connectez-vous de nouveau avec « coffre login ».
error-bad_recovery_kit = Ce kit de récupération ne correspond pas à ce compte.
error-document_not_found = Ce document est introuvable, ou vous n'y avez pas accès.
error-upload_not_found = L'envoi du document est introuvable ou a expiré. Recommencez l'ajout.
error-not_age_file = Le serveur n'accepte que des documents chiffrés.
error-document_too_large = Ce document est trop volumineux : la taille maximale est de { $max }.
error-quota_exceeded = Votre coffre est plein : supprimez des documents pour en ajouter d'autres.
error-upload_incomplete = L'envoi a été interrompu avant la fin. Rien n'a été enregistré ; recommencez.
error-safety_code_mismatch = Ce code de sécurité n'est pas celui de { $mediator }. Vérifiez-le sur son écran : rien n'a été partagé.
error-mediator_not_found = Aucun médiateur actif ne porte l'identifiant « { $value } ».
error-account_not_found = Aucun compte « { $value } » sur ce service.
error-grant_not_found = Ce partage n'existe pas.
error-grant_expired = Ce partage a expiré le { $when }.
error-grant_revoked = La personne a retiré ce partage le { $when }.
error-grant_not_yet_valid = Ce partage ne commence que le { $when }.
error-invalid_grant = Ce partage est refusé : sa signature ou son contenu n'est pas valable.
error-invalid_duration = Durée invalide « { $value } » : écrivez par exemple 1h, 2h, today (jusqu'à ce soir 23:59), 7d ou 30d ; au plus 365d.
error-account_disabled = Ce compte a été désactivé par l'administrateur du service.
error-enrolment_code_invalid = Ce code d'inscription n'est pas valable ou a expiré. Demandez-en un nouveau à l'administrateur.
error-request_not_found = Cette demande de document n'existe pas.
error-not_a_citizen = Cette action est réservée aux particuliers.
error-not_a_mediator = Cette action est réservée aux médiateurs.
error-admin_unauthorized = Jeton d'administration refusé.
error-local_only = Cette opération ne se fait que depuis le serveur lui-même (coffred backup), pas à travers le réseau ni un proxy.
error-admin_token_required = Un jeton d'administration est nécessaire : COFFRE_ADMIN_TOKEN ou --admin-token-file.
error-journal_tampered = ALERTE : le journal de votre coffre ne se vérifie pas ({ $detail }). Le serveur a pu modifier ou cacher des entrées. Les preuves sont enregistrées dans { $path }. Ne faites pas d'action sensible et prévenez le service ou votre médiateur.
error-journal_rollback = ALERTE : le serveur présente un journal plus ancien que celui que cet appareil a déjà vérifié ({ $detail }). Des entrées ont pu être effacées. Les preuves sont enregistrées dans { $path }.
error-journal_restored = Le service a été restauré à partir d'une sauvegarde du { $detail }. Ce que vous avez fait après cette date (documents ajoutés ou supprimés, partages) n'y figure peut-être plus. Pour voir ce qui manque et continuer, tapez : coffre journal accept-change. Les preuves sont enregistrées dans { $path }.
error-journal_key_changed = ALERTE : le serveur présente un autre journal que celui de votre coffre ({ $detail }). Les preuves sont enregistrées dans { $path }. Si le service vous a prévenu d'un changement, vérifiez-le avec « coffre journal accept-change ».
error-invalid_signature = La signature ne correspond pas : ce document ou ce partage n'est pas celui que la personne a signé. Ne vous y fiez pas et prévenez le service.
error-id_too_short = Identifiant trop court : donnez-en au moins les { $min } premiers caractères.
error-is_a_directory = « { $path } » est un dossier, pas un fichier.
error-not_writable = Impossible d'écrire dans « { $path } » : vous n'en avez pas le droit. Choisissez un autre endroit.
error-request_answered = Cette demande a déjà reçu une réponse : un partage l'a satisfaite.
error-citizen_keys_changed = ALERTE : les clés de « { $citizen } » ne sont plus celles que cet appareil a vérifiées. Ne vous fiez pas à ce partage : comparez son code de sécurité avec elle, en personne (elle le voit avec « coffre whoami »). S'il correspond : coffre trust-citizen { $citizen } --safety-code <code>. Sinon, prévenez le service.
error-citizen_code_mismatch = Ce code de sécurité n'est pas celui des clés que le service présente pour « { $citizen } ». Rien n'a changé sur cet appareil : relisez le code avec elle ; s'il ne correspond toujours pas, ne vous fiez pas à ses partages et prévenez le service.
error-registration_closed = Ce service n'ouvre pas de nouveau coffre pour le moment. Adressez-vous à l'accueil de votre mairie ou à votre médiateur.
error-csrf_required = Demande refusée : elle ne vient pas de la page du coffre. Rechargez la page et recommencez.
error-invitation_required = Ce service ouvre les coffres sur invitation. Demandez un code d'invitation à l'accueil de votre mairie ou à votre médiateur, puis recommencez avec « --invitation CODE ».
error-invitation_invalid = Ce code d'invitation n'est pas valable : il a déjà servi, il a expiré, ou il est mal recopié. Vérifiez-le, ou demandez-en un nouveau.
error-nothing_to_accept = Le journal n'a pas changé : il n'y a rien à accepter.
error-unavailable = Le service est momentanément indisponible. Rien n'a été modifié ; réessayez plus tard.
error-storage_full = Le serveur n'a plus de place pour enregistrer. Rien n'a été enregistré ; réessayez plus tard. Si cela dure, prévenez votre mairie.
error-write_in_doubt = Le serveur n'a pas pu confirmer l'enregistrement : il a peut-être eu lieu. Regardez la liste de vos papiers avant de recommencer.
error-internal = Une erreur interne est survenue. Rien n'a été modifié.
error-not_logged_in = Vous n'êtes pas connecté. Connectez-vous avec « coffre login IDENTIFIANT ».
error-server_unreachable = Impossible de joindre le serveur { $url }. Vérifiez l'adresse et votre connexion.
error-tls_error = La connexion sécurisée au serveur a échoué : son certificat n'est pas reconnu.
error-file_not_found = Le fichier { $path } est introuvable.
error-file_exists = Le fichier { $path } existe déjà ; il n'a pas été remplacé.
error-io_error = Erreur de lecture ou d'écriture : { $detail }.
error-wrong_passphrase = Phrase de passe incorrecte.
error-passphrase_mismatch = Les deux phrases de passe ne sont pas identiques.
error-passphrase_required = Une phrase de passe est nécessaire : donnez-la dans COFFRE_PASSPHRASE ou lancez la commande dans un terminal.
error-passphrase_too_short = Cette phrase de passe est trop courte : au moins { $min } caractères.
error-decryption_failed = Ce document n'a pas pu être déchiffré : il est abîmé ou incomplet.
error-integrity_failed = Le document reçu ne correspond pas à celui qui a été déposé.
error-invalid_kit = Ce fichier n'est pas un kit de récupération coffre.
error-invalid_date = Date invalide « { $value } » : écrivez-la AAAA-MM-JJ, par exemple 2031-05-02.
error-invalid_category = Catégorie inconnue « { $value } ». Catégories : { $choices }.
error-ambiguous_id = Le début d'identifiant « { $value } » correspond à plusieurs documents ; donnez-en davantage.
error-usage_error = Commande incomplète ou mal écrite. Tapez « coffre --help » pour voir les commandes.
error-confirmation_required = Cette action est définitive : confirmez-la en tapant SUPPRIMER, ou ajoutez --yes.
error-protocol_error = Le serveur a répondu de façon inattendue.
error-unknown = Le serveur a signalé une erreur.
journal-register-done = { $actor } avez créé votre coffre
journal-register-done-invited = { $actor } avez créé votre coffre avec une invitation de { $mediator }
journal-invitation_issued-done = { $actor } avez remis une invitation à ouvrir un coffre, valable jusqu'au { $until }
journal-login-done = { $actor } vous êtes connecté
journal-login-denied = Tentative de connexion refusée (phrase de passe incorrecte)
journal-logout-done = { $actor } vous êtes déconnecté
journal-upload-done = { $actor } avez ajouté « { $title } »
journal-list-done = { $actor } avez consulté la liste de vos documents
journal-list-done-repeated = Vous avez consulté la liste de vos documents { $count } fois, la dernière le { $date }.
journal-download-attempt = { $actor } avez commencé à télécharger « { $title } »
journal-download-done = { $actor } avez téléchargé « { $title } »
journal-download-failed = Le téléchargement de « { $title } » a échoué
journal-delete-attempt = { $actor } avez commencé à supprimer « { $title } »
journal-delete-done = { $actor } avez supprimé « { $title } »
journal-share-done = { $actor } avez partagé { $count } document(s) avec { $mediator } jusqu'au { $until }
journal-revoke-done = { $actor } avez retiré un partage
journal-revoke-done-operator = L'administrateur a désactivé { $mediator } : son partage a pris fin
journal-expire-done = Un partage avec { $mediator } a expiré comme prévu
journal-mediator_list-done = { $actor } a consulté la liste des { $count } document(s) que vous lui partagez
journal-mediator_fetch-attempt = { $actor } a commencé à ouvrir « { $title } »
journal-mediator_fetch-done = { $actor } a téléchargé « { $title } »
journal-mediator_fetch-done-record = { $actor } a reçu la fiche de « { $title } » (son titre et sa clé)
journal-mediator_fetch-failed = { $actor } a commencé à télécharger « { $title } » sans aller au bout
journal-mediator_fetch-denied = { $actor } a voulu ouvrir « { $title } » : refusé, le partage était terminé
journal-access_request-done = { $actor } vous demande un document de la catégorie « { $category } »
journal-request_declined-done = { $actor } avez refusé une demande de document
journal-recovery-done = { $actor } avez choisi une nouvelle phrase de passe avec votre kit de récupération
journal-recovery-denied = Tentative de récupération refusée (kit incorrect)
journal-passphrase_change-done = { $actor } avez changé votre phrase de passe
journal-passphrase_change-denied = Changement de phrase de passe refusé (ancienne phrase incorrecte)
journal-journal_change-done = { $actor } avez accepté un changement du journal ({ $count } entrée(s) déjà vues n'y figurent plus)
journal-quota_changed-done = L'administrateur a fixé la place de votre coffre à { $size } et { $count } documents
journal-you = Vous
journal-on = le { $date }
journal-a_document = un document
export-readme =
    EXPORT DE VOTRE COFFRE — coffre
    
    Ce dossier contient tous vos documents, chiffrés au format ouvert age
    (https://age-encryption.org), avec de quoi les ouvrir sans le service :
    
      identity.age          votre clé privée, protégée par votre phrase de passe
      documents/ID/         pour chaque document :
          payload.age       le document chiffré
          meta.age          son titre, sa catégorie, ses dates (chiffrés)
          owner.age         sa clé, chiffrée pour vous
      manifest.json.age     la liste des documents (titres, catégories, dates,
                            empreintes), chiffrée avec votre phrase de passe
      journal.json.age      l'historique vérifié de votre coffre, avec de quoi le
                            revérifier (point de contrôle signé, clé, preuves),
                            chiffré avec votre phrase de passe
      SHA256SUMS            les empreintes de chaque fichier (sha256sum -c SHA256SUMS)
    
    Pour lire la liste ou l'historique : age -d manifest.json.age
    (demande votre phrase de passe). Un export fait avec --lisible contient
    manifest.json et journal.json en clair : quiconque a le dossier peut les lire.
    
    Pour ouvrir un document avec l'outil age :
      age -d -o identity.txt identity.age        (demande votre phrase de passe)
      age -d -i identity.txt -o cle.txt documents/ID/owner.age
      age -d -i cle.txt -o document documents/ID/payload.age
    Puis effacez identity.txt et cle.txt.
cli-expiry-honesty = À l'échéance ou si vous retirez ce partage, le médiateur ne pourra plus télécharger ces documents ; les copies qu'il aurait déjà téléchargées ne peuvent pas être reprises.
cli-state-active = actif
cli-state-scheduled = programmé
cli-state-expired = expiré
cli-state-revoked = retiré
cli-state-pending = en attente
cli-state-fulfilled = accordée
cli-state-declined = refusée
cli-state-disabled = désactivé
cli-receipt-title = REÇU DE CONSENTEMENT — coffre
cli-receipt-intro = { $citizen } a autorisé { $mediator } ({ $structure }, identifiant { $mediator_user }) à consulter :
cli-receipt-documents = Documents
cli-receipt-purpose = Motif : { $purpose }
cli-receipt-period = Du { $from } au { $until }.
cli-receipt-state = État : { $state }
cli-receipt-grant-id = Partage n° { $grant }
cli-receipt-recipient = Clé du médiateur vérifiée : { $recipient }
cli-receipt-hash = Empreinte (SHA-256) : { $hash }
cli-receipt-signature = Signature (Ed25519) : { $signature }
cli-receipt-signature-valid = La signature a été vérifiée avec votre clé.
cli-receipt-signature-invalid = ATTENTION : la signature ne correspond pas à votre clé.
