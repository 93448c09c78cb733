// The table of page URLs and their canonical forms, shared by the server's test and the extension's parity test.

// [input, expected canonical form or null]
export const cases: Array<[string, string | null]> = [
  // tracking parameters
  ['https://example.com/a?utm_source=x&utm_medium=y&id=3', 'https://example.com/a?id=3'],
  ['https://example.com/a?UTM_Campaign=x&b=2', 'https://example.com/a?b=2'],
  ['https://example.com/a?utm_source', 'https://example.com/a'],
  ['https://example.com/a?utm%5Fsource=x&b=2', 'https://example.com/a?b=2'],
  // escaped capitals are compared after decoding: %46 is F
  ['https://example.com/a?%46BCLID=1&b=2', 'https://example.com/a?b=2'],
  ['https://example.com/a?%55tm_Term=x+y&b=2', 'https://example.com/a?b=2'],
  // a host seen before canonicalises as it did the first time (the host answers are kept)
  ['https://m.www.example.com/a', 'https://example.com/a'],
  ['https://m.www.example.com/b?ref=x', 'https://example.com/b'],
  ['https://www.github.com/o/r?ref=main', 'https://github.com/o/r?ref=main'],
  ['https://www.github.com/o/r?ref=dev', 'https://github.com/o/r?ref=dev'],
  ['https://example.com/a?fbclid=IwAR0abc', 'https://example.com/a'],
  ['https://example.com/a?gclid=1&dclid=2&gclsrc=aw.ds&msclkid=3&x=1', 'https://example.com/a?x=1'],
  ['https://example.com/a?mc_cid=1&MC_EID=2&page=2', 'https://example.com/a?page=2'],
  ['https://example.com/a?ref=twitter&ref_src=twsrc&ref_url=x&q=1', 'https://example.com/a?q=1'],
  ['https://example.com/a?referrer=x&reference=y', 'https://example.com/a?reference=y&referrer=x'],
  // ... but on source-code hosts ?ref= is a branch or tag, not a referrer
  ['https://github.com/org/repo/blob/file.ts?ref=main', 'https://github.com/org/repo/blob/file.ts?ref=main'],
  ['https://github.com/org/repo/blob/file.ts?ref=evil-branch&utm_source=x', 'https://github.com/org/repo/blob/file.ts?ref=evil-branch'],
  ['https://www.github.com/org/repo?ref=v1.2', 'https://github.com/org/repo?ref=v1.2'],
  ['https://gitlab.com/group/project/-/blob/README.md?ref_type=heads&ref=main', 'https://gitlab.com/group/project/-/blob/README.md?ref=main&ref_type=heads'],
  ['https://bitbucket.org/team/repo/src?ref=dev', 'https://bitbucket.org/team/repo/src?ref=dev'],
  ['https://news.example.com/story?ref=main', 'https://news.example.com/story'],
  [
    'https://example.com/a?_ga=1&_gl=2&igshid=3&yclid=4&smid=5&spm=6&share=7&mkt_tok=8&__twitter_impression=true' +
      '&oly_anon_id=a&oly_enc_id=b&vero_id=c&wt_mc=d&at_medium=e&at_campaign=f&cmpid=g&ocid=h&s_cid=i',
    'https://example.com/a',
  ],
  // case: scheme and host are lower-cased, path and query are not
  ['HTTPS://EXAMPLE.COM/Some/Path', 'https://example.com/Some/Path'],
  ['HTTP://Example.Com/A?Q=B', 'https://example.com/A?Q=B'],
  // ports
  ['http://example.com:80/a', 'https://example.com/a'],
  ['https://example.com:443/a', 'https://example.com/a'],
  ['http://example.com:443/a', 'https://example.com/a'],
  ['https://example.com:8443/a', 'https://example.com:8443/a'],
  ['http://example.com:8080/', 'https://example.com:8080/'],
  // AMP versions
  ['https://example.com/news/taxes-doubled/amp', 'https://example.com/news/taxes-doubled'],
  ['https://example.com/2024/05/taxes-doubled/amp/', 'https://example.com/2024/05/taxes-doubled'],
  ['https://amp.example.com/news/story', 'https://example.com/news/story'],
  ['https://example.com/news/amplifier', 'https://example.com/news/amplifier'],
  ['https://example.com/taxes-doubled/amp/index.html', 'https://example.com/taxes-doubled'],
  // ... but only AMP forms that are sure: a bare /amp may be a page of its own (a product, a section)
  ['https://example.com/products/amp', 'https://example.com/products/amp'],
  ['https://example.com/products/amp/', 'https://example.com/products/amp'],
  ['https://example.com/amp', 'https://example.com/amp'],
  ['https://example.com/news/story/amp', 'https://example.com/news/story/amp'],
  ['https://example.com/story/amp/index.html', 'https://example.com/story/amp'],
  // mobile and www hosts
  ['https://m.example.com/a', 'https://example.com/a'],
  ['https://mobile.example.co.uk/a', 'https://example.co.uk/a'],
  ['https://mobile.de/a', 'https://mobile.de/a'],
  ['https://m.www.example.com/a', 'https://example.com/a'],
  ['https://www.example.com/a', 'https://example.com/a'],
  ['https://WWW.Example.com/a', 'https://example.com/a'],
  ['https://www.com/', 'https://www.com/'],
  ['https://www2.example.com/', 'https://www2.example.com/'],
  ['https://news.www.example.com/', 'https://news.www.example.com/'],
  // ... only while what remains is a site of its own under the Public Suffix List (private suffixes included)
  ['https://mobile.wordpress.com/2024/post', 'https://mobile.wordpress.com/2024/post'],
  ['https://m.tumblr.com/a', 'https://m.tumblr.com/a'],
  ['https://www.wordpress.com/a', 'https://wordpress.com/a'],
  ['https://m.someblog.wordpress.com/a', 'https://someblog.wordpress.com/a'],
  ['https://www.github.io/', 'https://www.github.io/'],
  ['https://www.someone.github.io/a', 'https://someone.github.io/a'],
  ['https://m.blogspot.com/', 'https://m.blogspot.com/'],
  ['https://amp.co.uk/a', 'https://amp.co.uk/a'],
  ['https://m.example.co.uk/a', 'https://example.co.uk/a'],
  // a trailing dot on the host is the same host
  ['https://example.com./a', 'https://example.com/a'],
  ['https://www.Example.COM./a', 'https://example.com/a'],
  ['https://mobile.de./a', 'https://mobile.de/a'],
  // fragments
  ['https://example.com/a#section-2', 'https://example.com/a'],
  ['https://example.com/a?b=1#frag?x=y', 'https://example.com/a?b=1'],
  // IDN hosts become punycode
  ['https://bücher.de/', 'https://xn--bcher-kva.de/'],
  ['https://www.BÜCHER.de/katalog', 'https://xn--bcher-kva.de/katalog'],
  // percent-encoding in the path
  ['https://example.com/%7Euser/%41bc', 'https://example.com/~user/Abc'],
  ['https://example.com/%2D%2E%5F%7e', 'https://example.com/-._~'],
  ['https://example.com/a%2fb%3a', 'https://example.com/a%2Fb%3A'],
  ['https://example.com/caf%c3%a9', 'https://example.com/caf%C3%A9'],
  ['https://example.com/café', 'https://example.com/caf%C3%A9'],
  ['https://example.com/a%20b', 'https://example.com/a%20b'],
  ['https://example.com/a/./b/../c', 'https://example.com/a/c'],
  ['https://example.com/b/.a/../c', 'https://example.com/b/c'],
  ['https://example.com/a//../b', 'https://example.com/a/b'],
  // trailing slash and index documents
  ['https://example.com/a/', 'https://example.com/a'],
  ['https://example.com/', 'https://example.com/'],
  ['https://example.com', 'https://example.com/'],
  ['https://example.com/a/index.html', 'https://example.com/a'],
  ['https://example.com/a/index.htm', 'https://example.com/a'],
  ['https://example.com/index.php?id=3', 'https://example.com/?id=3'],
  ['https://example.com/a/myindex.html', 'https://example.com/a/myindex.html'],
  // duplicate slashes
  ['https://example.com//a///b//', 'https://example.com/a/b'],
  // parameters sorted by name; repeated names keep their order
  ['https://example.com/s?b=2&a=1&c=3', 'https://example.com/s?a=1&b=2&c=3'],
  ['https://example.com/s?tag=z&id=1&tag=a&tag=m', 'https://example.com/s?id=1&tag=z&tag=a&tag=m'],
  ['https://example.com/s?b=1&B=2&a=3', 'https://example.com/s?B=2&a=3&b=1'],
  // empty queries leave no ?
  ['https://example.com/a?', 'https://example.com/a'],
  ['https://example.com/a?utm_source=x', 'https://example.com/a'],
  ['https://example.com/a?&&b=1&', 'https://example.com/a?b=1'],
  // user info
  ['https://user:secret@example.com/a', 'https://example.com/a'],
  ['http://user@www.example.com:80/', 'https://example.com/'],
  // http -> https, whitespace, IP hosts
  ['http://example.com/a', 'https://example.com/a'],
  ['  https://example.com/a \n', 'https://example.com/a'],
  ['http://[::1]:3000/a', 'https://[::1]:3000/a'],
  ['http://192.168.0.1/', 'https://192.168.0.1/'],
  // not absolute http(s) URLs
  ['ftp://x', null],
  ['javascript:alert(1)', null],
  ['not a url', null],
  ['//example.com/a', null],
  ['', null],
  ['   ', null],
  ['/relative/path', null],
  ['mailto:someone@example.com', null],
  ['file:///etc/passwd', null],
  ['data:text/html,hi', null],
  ['https://', null],
]
