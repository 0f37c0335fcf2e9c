/** X25519 key agreement (delegated to curve25519-js). */
export declare function sharedKey(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array
/** XEdDSA signature followed by the message (delegated to curve25519-js). */
export declare function signMessage(secretKey: Uint8Array, msg: Uint8Array, optRandom?: Uint8Array): Uint8Array
/** The message of a signMessage() output if its signature verifies, else null (delegated to curve25519-js). */
export declare function openMessage(publicKey: Uint8Array, signedMsg: Uint8Array): Uint8Array | null
/** XEdDSA signature, 64 bytes (delegated to curve25519-js). */
export declare function sign(secretKey: Uint8Array, msg: Uint8Array, optRandom?: Uint8Array): Uint8Array
/** Whether `signature` is a valid XEdDSA signature of `msg` by `publicKey` (native Ed25519). */
export declare function verify(publicKey: Uint8Array, msg: Uint8Array, signature: Uint8Array): boolean
/** A key pair from a 32-byte seed (delegated to curve25519-js). */
export declare function generateKeyPair(seed: Uint8Array): { public: Uint8Array; private: Uint8Array }
