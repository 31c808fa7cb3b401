"""`mediamon demo`: an offline end-to-end run on a bundled sample web.

The sample is our own writing: two real contacts (one where the governments' accounts
diverge, one where they agree), each with both readouts and press reports behind
subscription banners and site chrome, and a hard negative. It is served on loopback,
crawled with the real `mediamon crawl` into a temporary store, analysed, and shown: the
events, the side-by-side view of the diverging one, and the digest a subscriber would get.
"""
