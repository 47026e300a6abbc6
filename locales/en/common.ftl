cat-identity = Identity
cat-housing = Housing
cat-income = Income
cat-tax = Taxes
cat-family = Family
cat-health = Health
cat-work = Work
cat-transport = Transport
cat-justice = Justice
cat-other = Other
error-bad_request = The request is malformed.
error-invalid_json = The request body is not valid JSON.
error-unsupported_media_type = The request's content type is not accepted.
error-payload_too_large = The request is too large.
error-not_found = No such endpoint.
error-method_not_allowed = This method is not allowed here.
error-request_timeout = The request took too long and was stopped.
error-invalid_user_name = This user name is not valid: 3 to 64 characters among a-z, 0-9, dot, dash and underscore, starting with a letter or digit.
error-user_exists = This user name is already taken. Choose another one.
error-bad_credentials = Wrong user name or passphrase.
error-weak_kdf_params = The passphrase protection parameters are too weak.
error-too_many_attempts = Too many failed attempts. Try again in { $seconds } seconds.
error-unauthenticated = You are not logged in. Log in with "coffre login".
error-session_expired = Your session has expired. Log in again with "coffre login".
error-bad_recovery_kit = This recovery kit does not match this account.
error-document_not_found = This document does not exist, or you have no access to it.
error-upload_not_found = The upload was not found or has expired. Add the document again.
error-not_age_file = The server only accepts encrypted documents.
error-document_too_large = This document is too large: the maximum size is { $max }.
error-quota_exceeded = Your vault is full: delete documents to add others.
error-upload_incomplete = The upload was interrupted. Nothing was saved; try again.
error-safety_code_mismatch = This safety code is not { $mediator }'s. Check it on their screen: nothing was shared.
error-mediator_not_found = No active mediator has the user name "{ $value }".
error-account_not_found = No account “{ $value }” on this service.
error-grant_not_found = This share does not exist.
error-grant_expired = This share expired on { $when }.
error-grant_revoked = The citizen withdrew this share on { $when }.
error-grant_not_yet_valid = This share only starts on { $when }.
error-invalid_grant = This share is refused: its signature or its content is not valid.
error-invalid_duration = Invalid duration "{ $value }": write for example 1h, 2h, today (until 23:59 tonight), 7d or 30d; at most 365d.
error-account_disabled = This account was disabled by the service's operator.
error-enrolment_code_invalid = This enrolment code is not valid or has expired. Ask the operator for a new one.
error-request_not_found = This document request does not exist.
error-not_a_citizen = This action is for citizens only.
error-not_a_mediator = This action is for mediators only.
error-admin_unauthorized = Operator token refused.
error-local_only = This is done only from the server itself (coffred backup), not over the network nor through a proxy.
error-admin_token_required = An operator token is needed: COFFRE_ADMIN_TOKEN or --admin-token-file.
error-journal_tampered = ALERT: your vault's journal does not verify ({ $detail }). The server may have altered or hidden entries. The evidence is saved in { $path }. Do nothing sensitive and warn the service or your mediator.
error-journal_rollback = ALERT: the server shows an older journal than the one this device already verified ({ $detail }). Entries may have been erased. The evidence is saved in { $path }.
error-journal_restored = The service was restored from a backup taken on { $detail }. What you did after that time (papers added or deleted, shares) may no longer be there. To see what is missing and carry on, type: coffre journal accept-change. The evidence is saved in { $path }.
error-journal_key_changed = ALERT: the server shows another journal than your vault's ({ $detail }). The evidence is saved in { $path }. If the service told you of a change, check it with "coffre journal accept-change".
error-invalid_signature = The signature does not match: this document or share is not the one the person signed. Do not rely on it and warn the service.
error-id_too_short = Identifier too short: give at least its first { $min } characters.
error-is_a_directory = "{ $path }" is a folder, not a file.
error-not_writable = Cannot write to "{ $path }": permission denied. Choose another place.
error-request_answered = This request was already answered: a share fulfilled it.
error-citizen_keys_changed = ALERT: the keys of "{ $citizen }" are no longer the ones this device verified. Do not rely on this share: compare her safety code with her, in person (she sees it with "coffre whoami"). If it matches: coffre trust-citizen { $citizen } --safety-code <code>. If not, warn the service.
error-citizen_code_mismatch = This safety code is not the one of the keys the service presents for "{ $citizen }". Nothing changed on this device: read the code again with her; if it still does not match, do not rely on her shares and warn the service.
error-registration_closed = This service opens no new vault for now. Ask your town hall's front desk or your mediator.
error-csrf_required = Request refused: it does not come from the vault's page. Reload the page and try again.
error-invitation_required = This service opens vaults by invitation. Ask your town hall's front desk or your mediator for an invitation code, then try again with "--invitation CODE".
error-invitation_invalid = This invitation code is not valid: it was used already, it expired, or it was mistyped. Check it, or ask for a new one.
error-nothing_to_accept = The journal has not changed: there is nothing to accept.
error-unavailable = The service is temporarily unavailable. Nothing was changed; try again later.
error-storage_full = The server has no space left to save anything. Nothing was saved; try again later. If this goes on, tell your town hall.
error-write_in_doubt = The server could not confirm the save: it may have happened. Look at the list of your papers before trying again.
error-internal = An internal error occurred. Nothing was changed.
error-not_logged_in = You are not logged in. Log in with "coffre login USER".
error-server_unreachable = Cannot reach the server { $url }. Check the address and your connection.
error-tls_error = The secure connection to the server failed: its certificate is not trusted.
error-file_not_found = The file { $path } does not exist.
error-file_exists = The file { $path } already exists; it was not replaced.
error-io_error = Read or write error: { $detail }.
error-wrong_passphrase = Wrong passphrase.
error-passphrase_mismatch = The two passphrases differ.
error-passphrase_required = A passphrase is needed: set COFFRE_PASSPHRASE or run the command in a terminal.
error-passphrase_too_short = This passphrase is too short: at least { $min } characters.
error-decryption_failed = This document could not be decrypted: it is damaged or incomplete.
error-integrity_failed = The document received does not match the one that was stored.
error-invalid_kit = This file is not a coffre recovery kit.
error-invalid_date = Invalid date "{ $value }": write it YYYY-MM-DD, for example 2031-05-02.
error-invalid_category = Unknown category "{ $value }". Categories: { $choices }.
error-ambiguous_id = The id prefix "{ $value }" matches several documents; give more of it.
error-usage_error = Incomplete or mistyped command. Type "coffre --help" to see the commands.
error-confirmation_required = This action cannot be undone: confirm it by typing DELETE, or add --yes.
error-protocol_error = The server answered in an unexpected way.
error-unknown = The server reported an error.
journal-register-done = { $actor } created your vault
journal-register-done-invited = { $actor } created your vault with an invitation from { $mediator }
journal-invitation_issued-done = { $actor } handed out an invitation to open a vault, valid until { $until }
journal-login-done = { $actor } logged in
journal-login-denied = Login refused (wrong passphrase)
journal-logout-done = { $actor } logged out
journal-upload-done = { $actor } added "{ $title }"
journal-list-done = { $actor } viewed the list of your documents
journal-list-done-repeated = You viewed the list of your documents { $count } times, last on { $date }.
journal-download-attempt = { $actor } started downloading "{ $title }"
journal-download-done = { $actor } downloaded "{ $title }"
journal-download-failed = Downloading "{ $title }" failed
journal-delete-attempt = { $actor } started deleting "{ $title }"
journal-delete-done = { $actor } deleted "{ $title }"
journal-share-done = { $actor } shared { $count } document(s) with { $mediator } until { $until }
journal-revoke-done = { $actor } withdrew a share
journal-revoke-done-operator = The operator disabled { $mediator }: the share ended
journal-expire-done = A share with { $mediator } expired as planned
journal-mediator_list-done = { $actor } viewed the list of the { $count } document(s) you share
journal-mediator_fetch-attempt = { $actor } started opening "{ $title }"
journal-mediator_fetch-done = { $actor } downloaded "{ $title }"
journal-mediator_fetch-done-record = { $actor } received the record of "{ $title }" (its title and key)
journal-mediator_fetch-failed = { $actor } started downloading "{ $title }" but did not finish
journal-mediator_fetch-denied = { $actor } tried to open "{ $title }": refused, the share had ended
journal-access_request-done = { $actor } asks you for a document of the category "{ $category }"
journal-request_declined-done = { $actor } declined a document request
journal-recovery-done = { $actor } set a new passphrase with your recovery kit
journal-recovery-denied = Recovery refused (wrong kit)
journal-passphrase_change-done = { $actor } changed your passphrase
journal-passphrase_change-denied = Passphrase change refused (wrong current passphrase)
journal-journal_change-done = { $actor } accepted a change of the journal ({ $count } entry(ies) seen before are no longer in it)
journal-quota_changed-done = The operator set your vault's room to { $size } and { $count } papers
journal-you = You
journal-on = on { $date }
journal-a_document = a document
export-readme =
    EXPORT OF YOUR VAULT — coffre
    
    This folder holds all your documents, encrypted in the open age format
    (https://age-encryption.org), with what you need to open them without the service:
    
      identity.age          your private key, protected by your passphrase
      documents/ID/         for each document:
          payload.age       the encrypted document
          meta.age          its title, category and dates (encrypted)
          owner.age         its key, encrypted for you
      manifest.json.age     the list of documents (titles, categories, dates,
                            hashes), encrypted with your passphrase
      journal.json.age      the verified history of your vault, with what is needed
                            to check it again (signed checkpoint, key, proofs),
                            encrypted with your passphrase
      SHA256SUMS            the hash of every file (sha256sum -c SHA256SUMS)
    
    To read the list or the history: age -d manifest.json.age
    (asks for your passphrase). An export made with --lisible holds
    manifest.json and journal.json in clear: anyone with the folder can read them.
    
    To open a document with the age tool:
      age -d -o identity.txt identity.age        (asks for your passphrase)
      age -d -i identity.txt -o key.txt documents/ID/owner.age
      age -d -i key.txt -o document documents/ID/payload.age
    Then erase identity.txt and key.txt.
cli-expiry-honesty = When it ends or if you withdraw it, the mediator can no longer download these documents; copies already downloaded cannot be taken back.
cli-state-active = active
cli-state-scheduled = scheduled
cli-state-expired = expired
cli-state-revoked = withdrawn
cli-state-pending = pending
cli-state-fulfilled = fulfilled
cli-state-declined = declined
cli-state-disabled = disabled
cli-receipt-title = CONSENT RECEIPT — coffre
cli-receipt-intro = { $citizen } allowed { $mediator } ({ $structure }, user { $mediator_user }) to see:
cli-receipt-documents = Documents
cli-receipt-purpose = Purpose: { $purpose }
cli-receipt-period = From { $from } until { $until }.
cli-receipt-state = State: { $state }
cli-receipt-grant-id = Share no. { $grant }
cli-receipt-recipient = Mediator's verified key: { $recipient }
cli-receipt-hash = Fingerprint (SHA-256): { $hash }
cli-receipt-signature = Signature (Ed25519): { $signature }
cli-receipt-signature-valid = The signature was verified with your key.
cli-receipt-signature-invalid = WARNING: the signature does not match your key.
