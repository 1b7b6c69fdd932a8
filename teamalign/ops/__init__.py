"""Operations: leases that let interrupted runs be found, upload retention, backup and restore,
and the background worker that looks after them."""
