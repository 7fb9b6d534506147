/** Version of dgpose-train, written into config.json and every checkpoint's meta. */
export const TRAINER_VERSION = '0.1.0';
