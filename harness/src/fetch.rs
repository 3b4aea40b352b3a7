//! Fetching URLs found inside documents (keys, status lists, refresh services, did:web) under a policy. (In progress.)
