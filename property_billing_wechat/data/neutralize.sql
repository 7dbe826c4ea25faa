-- Remove the WeChat Pay credentials from neutralized copies of the database.
UPDATE payment_provider
   SET wechat_pay_private_key = NULL,
       wechat_pay_apiv3_key = NULL,
       wechat_pay_merchant_serial = NULL,
       wechat_pay_public_key = NULL,
       wechat_pay_public_key_id = NULL,
       wechat_pay_platform_certificates = NULL,
       wechat_pay_mchid = NULL,
       wechat_pay_appid = NULL,
       wechat_oa_app_secret = NULL,
       wechat_oa_access_token = NULL,
       wechat_oa_token_expires_at = NULL;
