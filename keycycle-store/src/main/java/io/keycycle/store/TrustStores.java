package io.keycycle.store;

import io.keycycle.core.ConfigurationException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.HexFormat;

/**
 * Connector/J trusts only JKS/PKCS12 stores, while pymysql's {@code ssl_ca} is a PEM bundle: this
 * converts the bundle into a PKCS12 file, named after the bundle's hash. The store holds public
 * CA certificates only, so its password ({@link #PASSWORD}) protects nothing and is not a secret.
 */
final class TrustStores {

    static final String PASSWORD = "keycycle";

    private TrustStores() { }

    /** True for the name of a trust store this class writes (it lives in the journal directory). */
    static boolean isTrustStore(String fileName) { return fileName.startsWith("keycycle-ca-"); }

    /** Returns the PKCS12 trust store for {@code pem}, creating it in {@code dir} if needed. */
    static Path fromPem(Path pem, Path dir) {
        try {
            byte[] bytes = Files.readAllBytes(pem);
            String name = "keycycle-ca-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 8) + ".p12";
            Path target = dir.resolve(name);
            if (Files.exists(target)) return target;
            Collection<? extends Certificate> certs;
            try (InputStream in = Files.newInputStream(pem)) {
                certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            }
            if (certs.isEmpty()) throw new ConfigurationException("ssl_ca " + pem + " holds no PEM certificate");
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (Certificate c : certs) ks.setCertificateEntry("ca-" + i++, c);
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, name, ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                ks.store(out, PASSWORD.toCharArray());
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigurationException("cannot use ssl_ca " + pem + " as a CA bundle: " + e.getMessage(), e);
        }
    }
}
