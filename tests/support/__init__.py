"""What the tests share: fixed keys, clock and origin (``fixed``), the two databases
(``databases``), where the committed vectors live (``vectors``) and the hypothesis
profiles (``profiles``)."""
