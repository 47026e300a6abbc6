cat-identity = الهوية
cat-housing = السكن
cat-income = الدخل
cat-tax = الضرائب
cat-family = العائلة
cat-health = الصحة
cat-work = العمل
cat-transport = النقل
cat-justice = العدالة
cat-other = أخرى
error-bad_request = صيغة الطلب غير صحيحة.
error-invalid_json = محتوى الطلب ليس بصيغة JSON صالحة.
error-unsupported_media_type = نوع محتوى الطلب غير مقبول.
error-payload_too_large = الطلب كبير جدًا.
error-not_found = هذا العنوان غير موجود.
error-method_not_allowed = هذه العملية غير مسموح بها على هذا العنوان.
error-request_timeout = استغرق الطلب وقتًا طويلًا جدًا، فتمّ إيقافه.
error-invalid_user_name = اسم المستخدم هذا غير صالح: يجب أن يتكوّن من 3 إلى 64 حرفًا من بين a-z و 0-9 والنقطة والشرطة والشرطة السفلية، وأن يبدأ بحرف أو رقم.
error-user_exists = اسم المستخدم هذا مأخوذ من قبل. اختر اسمًا آخر.
error-bad_credentials = اسم المستخدم أو عبارة المرور غير صحيحة.
error-weak_kdf_params = إعدادات حماية عبارة المرور ضعيفة جدًا.
error-too_many_attempts = محاولات فاشلة كثيرة جدًا. أعد المحاولة بعد { $seconds } ثانية.
error-unauthenticated = أنت غير متصل. سجّل الدخول باستخدام «coffre login».
error-session_expired = انتهت صلاحية جلستك. سجّل الدخول مجددًا باستخدام «coffre login».
error-bad_recovery_kit = عدّة الاسترجاع هذه لا تطابق هذا الحساب.
error-document_not_found = هذه الوثيقة غير موجودة، أو ليس لديك إذن بالوصول إليها.
error-upload_not_found = لم يُعثر على إرسال الوثيقة أو انتهت صلاحيته. أعد إضافة الوثيقة.
error-not_age_file = لا يقبل الخادم إلا الوثائق المشفّرة.
error-document_too_large = هذه الوثيقة كبيرة جدًا: الحجم الأقصى هو { $max }.
error-quota_exceeded = خزانتك ممتلئة: احذف بعض الوثائق لتضيف غيرها.
error-upload_incomplete = انقطع الإرسال قبل اكتماله. لم يُحفظ أي شيء؛ أعد المحاولة.
error-safety_code_mismatch = رمز الأمان هذا ليس رمز { $mediator }. تحقّق منه على شاشته: لم تتمّ مشاركة أي شيء.
error-mediator_not_found = لا يوجد وسيط نشط باسم المستخدم «{ $value }».
error-account_not_found = لا يوجد حساب « { $value } » في هذه الخدمة.
error-grant_not_found = هذه المشاركة غير موجودة.
error-grant_expired = انتهت صلاحية هذه المشاركة في { $when }.
error-grant_revoked = سحب الشخص المعني هذه المشاركة في { $when }.
error-grant_not_yet_valid = لا تبدأ هذه المشاركة إلا في { $when }.
error-invalid_grant = هذه المشاركة مرفوضة: توقيعها أو محتواها غير صالح.
error-invalid_duration = مدة غير صالحة «{ $value }»: اكتب مثلًا 1h أو 2h أو today (حتى الساعة 23:59 هذا المساء) أو 7d أو 30d؛ والحد الأقصى 365d.
error-account_disabled = عطّل مسؤول الخدمة هذا الحساب.
error-enrolment_code_invalid = رمز التسجيل هذا غير صالح أو انتهت صلاحيته. اطلب رمزًا جديدًا من مسؤول الخدمة.
error-request_not_found = طلب الوثيقة هذا غير موجود.
error-not_a_citizen = هذا الإجراء مخصّص للأفراد فقط.
error-not_a_mediator = هذا الإجراء مخصّص للوسطاء فقط.
error-admin_unauthorized = رُفض رمز الإدارة.
error-local_only = لا تتم هذه العملية إلا من الخادم نفسه (coffred backup)، لا عبر الشبكة ولا عبر وكيل.
error-admin_token_required = يلزم رمز إدارة: COFFRE_ADMIN_TOKEN أو --admin-token-file.
error-journal_tampered = تنبيه: تعذّر التحقق من سجل خزانتك ({ $detail }). ربما عدّل الخادم بعض الإدخالات أو أخفاها. حُفظت الأدلة في { $path }. لا تقم بأي إجراء حساس، وأبلغ الخدمة أو الوسيط الذي يتابعك.
error-journal_rollback = تنبيه: يعرض الخادم سجلًا أقدم من السجل الذي تحقّق منه هذا الجهاز من قبل ({ $detail }). ربما مُحيت بعض الإدخالات. حُفظت الأدلة في { $path }.
error-journal_restored = أُعيدت الخدمة من نسخة احتياطية أُخذت في { $detail }. ما قمتم به بعد هذا التاريخ (وثائق أُضيفت أو حُذفت، مشاركات) قد لا يكون موجودًا. لمعرفة ما ينقص والمتابعة، اكتبوا: coffre journal accept-change. حُفظت الأدلة في { $path }.
error-journal_key_changed = تنبيه: يعرض الخادم سجلًا غير سجل خزانتك ({ $detail }). حُفظت الأدلة في { $path }. إذا أبلغتك الخدمة بتغيير، فتحقّق منه باستخدام «coffre journal accept-change».
error-invalid_signature = التوقيع غير مطابق: هذه الوثيقة أو هذه المشاركة ليست التي وقّعها الشخص. لا تعتمد عليها، وأبلغ الخدمة.
error-id_too_short = المعرّف قصير جدًا: أدخل أول { $min } أحرف منه على الأقل.
error-is_a_directory = «{ $path }» مجلد وليس ملفًا.
error-not_writable = تعذّرت الكتابة في «{ $path }»: ليس لديك الإذن بذلك. اختر مكانًا آخر.
error-request_answered = تمّ الرد على هذا الطلب من قبل: لبّته مشاركة.
error-citizen_keys_changed = تنبيه: مفاتيح «{ $citizen }» لم تعد المفاتيح التي تحقّق منها هذا الجهاز. لا تعتمد على هذه المشاركة: قارن رمز الأمان مع الشخص المعني، وجهًا لوجه (يراه باستخدام «coffre whoami»). إذا كان مطابقًا: coffre trust-citizen { $citizen } --safety-code <الرمز>. وإلا، فأبلغ الخدمة.
error-citizen_code_mismatch = رمز الأمان هذا لا يطابق المفاتيح التي تعرضها الخدمة لـ«{ $citizen }». لم يتغيّر شيء على هذا الجهاز: أعد قراءة الرمز مع الشخص المعني؛ وإذا بقي غير مطابق، فلا تعتمد على مشاركاته وأبلغ الخدمة.
error-registration_closed = لا تفتح هذه الخدمة خزائن جديدة حاليًا. توجّه إلى مكتب الاستقبال في بلديتك أو إلى الوسيط الذي يتابعك.
error-csrf_required = رُفض الطلب: لم يصدر من صفحة الخزانة. أعد تحميل الصفحة وحاول مجددًا.
error-invitation_required = تفتح هذه الخدمة الخزائن بدعوة فقط. اطلب رمز دعوة من مكتب الاستقبال في بلديتك أو من الوسيط الذي يتابعك، ثم أعد المحاولة باستخدام «--invitation CODE».
error-invitation_invalid = رمز الدعوة هذا غير صالح: إما أنه استُخدم من قبل، أو انتهت صلاحيته، أو نُسخ بشكل خاطئ. تحقّق منه، أو اطلب رمزًا جديدًا.
error-nothing_to_accept = لم يتغيّر السجل: لا يوجد شيء لقبوله.
error-unavailable = الخدمة غير متاحة مؤقتًا. لم يتغيّر أي شيء؛ أعد المحاولة لاحقًا.
error-storage_full = لم تعد لدى الخادم مساحة للحفظ. لم يُحفظ أي شيء؛ أعد المحاولة لاحقًا. إذا استمرت المشكلة، فأبلغ بلديتك.
error-write_in_doubt = لم يتمكّن الخادم من تأكيد الحفظ: ربما تمّ الحفظ فعلًا. راجع قائمة وثائقك قبل إعادة المحاولة.
error-internal = حدث خطأ داخلي. لم يتغيّر أي شيء.
error-not_logged_in = أنت غير متصل. سجّل الدخول باستخدام «coffre login <اسم المستخدم>».
error-server_unreachable = تعذّر الوصول إلى الخادم { $url }. تحقّق من العنوان ومن اتصالك.
error-tls_error = فشل الاتصال الآمن بالخادم: شهادته غير معترف بها.
error-file_not_found = الملف { $path } غير موجود.
error-file_exists = الملف { $path } موجود من قبل؛ لم يتمّ استبداله.
error-io_error = خطأ في القراءة أو الكتابة: { $detail }.
error-wrong_passphrase = عبارة المرور غير صحيحة.
error-passphrase_mismatch = عبارتا المرور غير متطابقتين.
error-passphrase_required = يلزم إدخال عبارة المرور: ضعها في COFFRE_PASSPHRASE أو شغّل الأمر في نافذة الأوامر (terminal).
error-passphrase_too_short = عبارة المرور هذه قصيرة جدًا: { $min } أحرف على الأقل.
error-decryption_failed = تعذّر فك تشفير هذه الوثيقة: إنها تالفة أو ناقصة.
error-integrity_failed = الوثيقة المستلَمة لا تطابق الوثيقة التي أُودعت.
error-invalid_kit = هذا الملف ليس عدّة استرجاع coffre.
error-invalid_date = تاريخ غير صالح «{ $value }»: اكتبه بصيغة YYYY-MM-DD، مثلًا 2031-05-02.
error-invalid_category = فئة غير معروفة «{ $value }». الفئات: { $choices }.
error-ambiguous_id = بداية المعرّف «{ $value }» تطابق عدة وثائق؛ أدخل أحرفًا أكثر منه.
error-usage_error = الأمر ناقص أو مكتوب بشكل خاطئ. اكتب «coffre --help» لرؤية الأوامر.
error-confirmation_required = هذا الإجراء نهائي: أكّده بكتابة SUPPRIMER، أو أضف --yes.
error-protocol_error = ردّ الخادم بطريقة غير متوقعة.
error-unknown = أبلغ الخادم عن خطأ.
journal-register-done = { $actor } — إنشاء خزانتك
journal-register-done-invited = { $actor } — إنشاء خزانتك بدعوة من { $mediator }
journal-invitation_issued-done = { $actor } — تسليم دعوة لفتح خزانة، صالحة حتى { $until }
journal-login-done = { $actor } — تسجيل الدخول
journal-login-denied = محاولة تسجيل دخول مرفوضة (عبارة المرور غير صحيحة)
journal-logout-done = { $actor } — تسجيل الخروج
journal-upload-done = { $actor } — إضافة «{ $title }»
journal-list-done = { $actor } — الاطلاع على قائمة وثائقك
journal-list-done-repeated = اطّلعت على قائمة وثائقك عدة مرات (عددها: { $count })، آخرها في { $date }.
journal-download-attempt = { $actor } — بدء تنزيل «{ $title }»
journal-download-done = { $actor } — تنزيل «{ $title }»
journal-download-failed = فشل تنزيل «{ $title }»
journal-delete-attempt = { $actor } — بدء حذف «{ $title }»
journal-delete-done = { $actor } — حذف «{ $title }»
journal-share-done = { $actor } — مشاركة وثائق (عددها: { $count }) مع { $mediator } حتى { $until }
journal-revoke-done = { $actor } — سحب مشاركة
journal-revoke-done-operator = عطّل مسؤول الخدمة حساب { $mediator }: انتهت مشاركته
journal-expire-done = انتهت مشاركة مع { $mediator } كما كان مقرّرًا
journal-mediator_list-done = { $actor } — الاطلاع على قائمة الوثائق التي تشاركها معه (عددها: { $count })
journal-mediator_fetch-attempt = { $actor } — بدء فتح «{ $title }»
journal-mediator_fetch-done = { $actor } — تنزيل «{ $title }»
journal-mediator_fetch-done-record = { $actor } — استلام بطاقة «{ $title }» (عنوانها ومفتاحها)
journal-mediator_fetch-failed = { $actor } — بدء تنزيل «{ $title }» دون إكماله
journal-mediator_fetch-denied = { $actor } — محاولة فتح «{ $title }»: مرفوضة، لأن المشاركة كانت قد انتهت
journal-access_request-done = { $actor } — طلب وثيقة منك من فئة «{ $category }»
journal-request_declined-done = { $actor } — رفض طلب وثيقة
journal-recovery-done = { $actor } — اختيار عبارة مرور جديدة بواسطة عدّة الاسترجاع
journal-recovery-denied = محاولة استرجاع مرفوضة (العدّة غير صحيحة)
journal-passphrase_change-done = { $actor } — تغيير عبارة المرور
journal-passphrase_change-denied = رُفض تغيير عبارة المرور (العبارة القديمة غير صحيحة)
journal-journal_change-done = { $actor } — قبول تغيير في السجل (إدخالات سبق رؤيتها لم تعد فيه، عددها: { $count })
journal-quota_changed-done = حدّد المسؤول سعة خزانتكم بـ { $size } و{ $count } وثيقة
journal-you = أنت
journal-on = في { $date }
journal-a_document = وثيقة
export-readme =
    تصدير خزانتك — coffre
    
    يحتوي هذا المجلد على جميع وثائقك، مشفّرة بالصيغة المفتوحة age
    (https://age-encryption.org)، مع ما تحتاجه لفتحها دون الخدمة:
    
      identity.age          مفتاحك الخاص، محميّ بعبارة المرور
      documents/ID/         لكل وثيقة:
          payload.age       الوثيقة المشفّرة
          meta.age          عنوانها وفئتها وتواريخها (مشفّرة)
          owner.age         مفتاحها، مشفّر لك
      manifest.json.age     قائمة الوثائق (العناوين والفئات والتواريخ
                            والبصمات)، مشفّرة بعبارة المرور
      journal.json.age      السجل المُتحقَّق منه لخزانتك، مع ما يلزم لإعادة التحقق منه
                            (نقطة تحقق موقَّعة، المفتاح، البراهين)، مشفّر بعبارة المرور
      SHA256SUMS            بصمة كل ملف (sha256sum -c SHA256SUMS)
    
    لقراءة القائمة أو السجل: age -d manifest.json.age
    (يطلب عبارة المرور). التصدير المُنشأ بالخيار --lisible يحتوي على
    manifest.json و journal.json بنص واضح: يستطيع قراءتهما كل من لديه المجلد.
    
    لفتح وثيقة بأداة age:
      age -d -o identity.txt identity.age        (يطلب عبارة المرور)
      age -d -i identity.txt -o key.txt documents/ID/owner.age
      age -d -i key.txt -o document documents/ID/payload.age
    ثم احذف identity.txt و key.txt.
cli-expiry-honesty = عند انتهاء المدة أو إذا سحبت هذه المشاركة، لن يستطيع الوسيط تنزيل هذه الوثائق بعد ذلك؛ أما النسخ التي نزّلها من قبل فلا يمكن استرجاعها.
cli-state-active = نشط
cli-state-scheduled = مُجدول
cli-state-expired = منتهٍ
cli-state-revoked = مسحوب
cli-state-pending = قيد الانتظار
cli-state-fulfilled = مقبول
cli-state-declined = مرفوض
cli-state-disabled = معطّل
cli-receipt-title = إيصال موافقة — coffre
cli-receipt-intro = الإذن الذي منحه { $citizen } إلى { $mediator } ({ $structure }، اسم المستخدم { $mediator_user }) للاطلاع على:
cli-receipt-documents = الوثائق
cli-receipt-purpose = الغرض: { $purpose }
cli-receipt-period = من { $from } إلى { $until }.
cli-receipt-state = الحالة: { $state }
cli-receipt-grant-id = المشاركة رقم { $grant }
cli-receipt-recipient = مفتاح الوسيط (تمّ التحقق منه): { $recipient }
cli-receipt-hash = البصمة (SHA-256): { $hash }
cli-receipt-signature = التوقيع (Ed25519): { $signature }
cli-receipt-signature-valid = تمّ التحقق من التوقيع بمفتاحك.
cli-receipt-signature-invalid = تنبيه: التوقيع لا يطابق مفتاحك.
