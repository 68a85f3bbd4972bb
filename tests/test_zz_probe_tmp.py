def test_c(client, auth, world):
    auth.login()
    for url in ("/?unit=2147483648", "/?cursor=2147483648", "/api/deeds?municipality=2147483648", "/deeds/2147483648", "/photos/photos/ab/abc.webp"):
        r = client.get(url)
        print(url, r.status_code)
    print(client.post("/deeds/2147483648/thanks").status_code)
