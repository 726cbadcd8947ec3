#pragma once
// A fixed 2048-bit RSA key for the tests of the test-DC side (generated once with
// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`). Loading it takes milliseconds,
// whereas generating a key takes up to a second; ctest runs every test case in its own process.
// It protects nothing: never use it outside tests.
#include <string_view>

namespace tgd::crypto::test {

inline constexpr std::string_view kTestRsaPrivateKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDbKnIp6pG25hXB
kBMNMS2PTg61s/o0XGeH7ioB2yRZ+Z7EBz9j55dbEuWmNEU6miwZ6fhkKdWfunj2
3uI3jXB0TLZvWNfRC6uAaPHnU3hGBeTPSRG/RK1g/3m8EYxAm9QvUIKqAviJZ7yW
oNKTiaSZ7/Tu5EYjBeqncALzR50rDahovJLLzkoLXcQvZQScjfM0Cbgrzzxb2qBV
k4DGrQIPw7gI0gooJInosKu/bkbTaiWz2G8Yh9f8HqNjtI5kWfy1s74tcDImdMzv
AV0rOzKEG6a1rv38R8n1Qyx6SV/s+jhJWV5cKS5wTRFwB9XFk6xXDfwbkRrbm3kv
nq1dD7DhAgMBAAECggEAAPe8Iw/+dnen3S/PC7n9vOIf+cCqkEhfqyebryAp9g0+
fJhZGO50+kGYOr6ElzyGyRMBxiRypWbIAbQMfOkOl+7eR9nVMx65ckLUXZx+XZXJ
U7p7ffQWTWU3YwOTUlY1zsMs3oYOlaG8ARDC+USMceMPum3O2vj71yMtGiik6qOd
1J/tKGMech4QVdVxeFs9eShrF7SSInn4LrDLIh+nHC0P/KTLTrrdSG+/O0H1j6pN
1AGeu4U7KmuzTEX+UtgZIcS2KSpyvimsLjMNo7ZKNwU7xYSmxvPorgLXvhfPOUQ9
7aOQMcByG0WUdNXcynxJJ61+Uyn4eUnVwTqxeALyiQKBgQD3Vt1QpHBP1MPy8cvB
6Li8n4neaxriHBaDgCQxtxOtd6zEMJOl/8nuC3AkE0F9GsfMkDYWqTYmoX0bgrzd
vOcGAYnpL8mwnVFvlvBzSBlM6xN+Nz7gC9FbDt7scAJox2s0A1XW3vzGTZbxXZDB
ghT35oFmLYWlT7W5vF7DDiVq2QKBgQDi1wkkBNdvVTlR8H85z9h10DMa/3tSk7eW
ORdwwGO2R6dXL+ifMA2hrh39cIMz/fp9IsuaVCXZB5dGNy+PLjVj21Z1qoGKnau9
4sBw5UvDCt4ZdAAqrLtR4yow1iWCoqicNaer7IRyHebpaIxrpfTnj7Z+kXJKTOx0
h0+p/ShhSQKBgQCNQENF0ZL+VEDPVn0JsVEHD4lZxwrkRCwrTxvcdHQ9ZZH5vNAl
Rc3ZLxkM0R5eRtQBo/3vtRTivOjItEIN09qPmINc81iYj085jhalj3A7eCh6tSwo
ITefa/+tQU5u7ivv2VPFUTVEPn1MPCX2DMbSyAXwB2FChiH+/2+Sr1p5CQKBgQCK
9zuFUmX8sZQlC5WVgCxWuI6man9NbmtY327pxyMO50SwGAyFgTXIp9d9jPED6AMN
qERdLlHlbE4TWPmM2L0iiJumCCfGGKO+92v3fbF1MnIv263CdwFmwCj3tClUp3tt
/zzSCVp2YrU0prTnucqYFaWyUj5XIFr3ZHG8bPfQ6QKBgEztrLGptxZycx3Qcjf7
TxCX/VD/G9nMV7riTY2DmmRSLlmhxo9aOQEK4bhtb7keIcmGZbxGcDosuqy6WWIf
ZDuOXuQX5P1oOwwZW3gqvrpXG9HF+3wB61yJ+JsYrWg5fVRlbSE5kDqkcVINkE0V
maqE9rbzIGlowDnHETyoMUmS
-----END PRIVATE KEY-----
)";

}  // namespace tgd::crypto::test
