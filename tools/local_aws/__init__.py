"""The local AWS: moto's server plus the APIs moto lacks, with call counting."""
